import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { parsePhone } from '../delivery/phone';
import { deliveredParts } from './delivered';
import type { MethodModule } from './method';

/**
 * Text-message codes (mfa2's and django-otp's Twilio method), sent through
 * the SMS gateway. Restricted by NIST SP 800-63B (SIM swaps, interception):
 * off by default.
 */
const parts = deliveredParts(
  'sms',
  (raw) => {
    const r = parsePhone(raw);
    return r.ok ? { ok: true, value: r.e164 } : { ok: false, message: r.message };
  },
  (user) => user.phone,
  'This user has no phone number: give one (with its country code, like +44 20 7946 0958) to send the code to',
);

export const sms = {
  method: 'sms',
  factorType: 'sms',
  settings: { toggle: 'sms', enabledByDefault: DEFAULT_SETTINGS.methods.sms },
  enroll: parts.enroll,
  confirm: parts.confirm,
  verify: parts.verify,
  describe: parts.describe,
  extras: null,
} as const satisfies MethodModule;
