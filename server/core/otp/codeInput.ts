import { parseRecoveryCode } from '../recovery/recoveryCodes';

export type CodeInput =
  | { kind: 'otp'; digits: string }
  | { kind: 'recovery'; normalized: string }
  | { kind: 'temporary'; digits: string }
  | { kind: 'malformed' };

/** The helpdesk's temporary codes: 12 digits (about 40 bits), read out as "4821 0937 5521". */
export const TEMPORARY_CODE_DIGITS = 12;

/** Longer than any code we issue with generous spacing; bounds the work on hostile input. */
export const MAX_CODE_INPUT_LENGTH = 64;

/**
 * Decides which verifier a typed code goes to, so one input field can take
 * an OTP, a recovery code or a helpdesk's temporary code. Only ASCII is accepted: full-width or
 * Arabic-Indic digits would otherwise pass /\d/ in some engines and confuse users.
 */
export function classifyCodeInput(raw: string): CodeInput {
  if (typeof raw !== 'string' || raw.length > MAX_CODE_INPUT_LENGTH) return { kind: 'malformed' };
  // Printable ASCII plus the whitespace a paste may carry.
  if (/[^\x20-\x7e\t\r\n]/.test(raw)) return { kind: 'malformed' };

  const compact = raw.replace(/[ \t\r\n]/g, '');
  if (/^[0-9]{6,8}$/.test(compact)) return { kind: 'otp', digits: compact };
  const grouped = compact.replace(/-/g, '');
  if (grouped.length === TEMPORARY_CODE_DIGITS && /^[0-9]+$/.test(grouped)) return { kind: 'temporary', digits: grouped };

  const recovery = parseRecoveryCode(compact);
  if (recovery) return { kind: 'recovery', normalized: recovery.lookupId + recovery.secret };
  return { kind: 'malformed' };
}
