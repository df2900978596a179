import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { Email } from '../../../shared/schemas/text';
import { deliveredParts } from './delivered';
import type { MethodModule } from './method';

/**
 * Email codes (django-otp's email device, mfa2's email method): a code sent
 * to an address the user proved they read. Restricted by NIST SP 800-63B
 * (a mailbox often falls with the password it backs up): off by default.
 */
const parts = deliveredParts(
  'email',
  (raw) => {
    const r = Email.safeParse(raw);
    return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.issues[0]?.message ?? 'Email is not a valid address' };
  },
  (user) => user.email,
  'This user has no email address: give one to send the code to',
);

export const email = {
  method: 'email',
  factorType: 'email',
  settings: { toggle: 'email', enabledByDefault: DEFAULT_SETTINGS.methods.email },
  enroll: parts.enroll,
  confirm: parts.confirm,
  verify: parts.verify,
  describe: parts.describe,
  extras: null,
} as const satisfies MethodModule;
