import type { AuditProblem } from './schemas/audit';
import { WEBAUTHN_REASONS } from './schemas/webauthn';

/**
 * The audit log's vocabulary: every action the server writes, with the label
 * the console shows, and the reason codes it may carry with theirs. An action
 * without `reasons` carries free text (the reason an operator typed, an error
 * message) that is shown as it is.
 */

/** Why a code check (verify, confirm, resync) failed or was refused. */
export const CODE_REASONS = {
  invalid_code: 'wrong code',
  no_factor: 'no active factor',
  locked_out: 'wrong code, now locked',
  throttled: 'throttled',
  locked: 'locked',
  device_not_remembered: 'device not remembered',
  // Issue 15: the user left the directory or is disabled there (factors kept until the grace period ends).
  user_disabled: 'user disabled',
  // Issue 18: a code for a method turned off (not counted), a right code used already (counted),
  // and a pending factor activated by its first sign-in code (a printed sheet finished at /verify).
  method_disabled: 'method turned off',
  code_already_used: 'code already used',
  first_sign_in_code: 'confirmed by its first sign-in code',
} as const;

/** Why an operator's sign-in or re-authentication failed or was refused. */
export const LOGIN_REASONS = {
  unknown_operator: 'no operator of that name',
  wrong_password: 'wrong password',
  disabled: 'operator disabled',
  wrong_code: 'wrong code',
  replayed_code: 'code already used',
  // Issue 11: one client address went over its sign-in burst; refused before any password check.
  address_limited: 'too many sign-ins from this address',
  // Issue 18: a temporary password (new operator, reset) not changed in time.
  temporary_password_expired: 'temporary password expired',
  ...WEBAUTHN_REASONS,
} as const;

/** Why a code or test message was not delivered. */
export const DELIVERY_REASONS = {
  delivery_failed: 'not delivered',
  delivery_unconfigured: 'no transport set up',
} as const;

/** Why the directory disabled a user, or why a directory password check failed or was refused. */
export const DIRECTORY_REASONS = {
  removed_from_directory: 'gone from the directory',
  disabled_in_directory: 'disabled in the directory',
  wrong_password: 'wrong password',
  throttled: 'throttled',
  locked: 'locked',
  user_disabled: 'user disabled',
  not_from_directory: 'not a directory user',
  directory_unavailable: 'directory not reachable',
  grace_period_over: 'grace period over',
} as const;

interface AuditActionInfo {
  label: string;
  reasons?: Readonly<Record<string, string>>;
}

export const AUDIT_ACTIONS = {
  verify: { label: 'Code checked', reasons: CODE_REASONS },
  'user.create': { label: 'User created' },
  'user.delete': { label: 'User deleted' },
  'user.unlock': { label: 'Unlocked' },
  'user.reset': { label: 'Lost device reset' },
  'factor.enroll': { label: 'Factor enrolled (pending)' },
  'factor.confirm': { label: 'Factor confirmed', reasons: CODE_REASONS },
  'factor.delete': { label: 'Factor removed' },
  'factor.resync': { label: 'HOTP token resynchronised', reasons: CODE_REASONS },
  'factor.expire': { label: 'Pending factor expired' },
  'factor.rename': { label: 'Factor renamed' },
  'recovery.issue': { label: 'Recovery codes issued' },
  'sheet.issue': { label: 'Enrollment sheet printed' },
  'webauthn.register': { label: 'Security key registered', reasons: WEBAUTHN_REASONS },
  'webauthn.authenticate': { label: 'Security key used', reasons: WEBAUTHN_REASONS },
  'webauthn.challenge': { label: 'Security key prompt issued', reasons: WEBAUTHN_REASONS },
  'webauthn.challenge.expire': { label: 'Unused security key prompts removed' },
  'apikey.create': { label: 'API client created' },
  'apikey.revoke': { label: 'API client revoked' },
  'apikey.webauthn': { label: 'API client security key settings changed' },
  'operator.create': { label: 'Operator created' },
  'operator.update': { label: 'Operator changed' },
  'operator.enroll': { label: 'Operator enrolled a sign-in code' },
  'operator.login': { label: 'Operator signed in', reasons: LOGIN_REASONS },
  'operator.logout': { label: 'Operator signed out' },
  'operator.reauth': { label: 'Operator confirmed it is them', reasons: LOGIN_REASONS },
  'operator.webauthn.register': { label: 'Operator security key registered', reasons: WEBAUTHN_REASONS },
  'operator.webauthn.remove': { label: 'Operator security key removed' },
  // Issue 18: an operator chose a new password; an administrator (or the CLI) set a temporary one.
  'operator.password.change': { label: 'Operator changed their password' },
  'operator.password.reset': { label: 'Operator password reset' },
  'settings.update': { label: 'Settings changed' },
  'setup.link': { label: 'Setup link issued' },
  'system.backup': { label: 'Backup made' },
  'system.restore': { label: 'Backup restored' },
  'audit.export': { label: 'Audit log exported' },
  'audit.anchor_reset': { label: 'Audit anchor reset' },
  'user.update': { label: 'User details changed' },
  // Issue 18: an operator disables or enables users (a selection in the users list), with one summary entry per selection.
  'user.disable': { label: 'User disabled' },
  'user.enable': { label: 'User enabled' },
  'users.bulk': { label: 'Action on selected users' },
  'code.send': { label: 'Code sent', reasons: DELIVERY_REASONS },
  'delivery.configure': { label: 'Email or SMS settings changed' },
  'delivery.test': { label: 'Test message sent', reasons: DELIVERY_REASONS },
  'temporary.issue': { label: 'Temporary code issued' },
  'temporary.revoke': { label: 'Temporary code revoked' },
  'device.remember': { label: 'Device remembered' },
  'device.revoke': { label: 'Remembered device revoked' },
  'directory.configure': { label: 'Directory settings changed' },
  'directory.sync': { label: 'Directory synced' },
  'directory.user.update': { label: 'User details updated from the directory' },
  'directory.user.disable': { label: 'User disabled by the directory', reasons: DIRECTORY_REASONS },
  'directory.user.enable': { label: 'User re-enabled by the directory' },
  'directory.factors.remove': { label: 'Factors removed after the grace period', reasons: DIRECTORY_REASONS },
  'directory.password': { label: 'Directory password checked', reasons: DIRECTORY_REASONS },
  // Issue 16: RADIUS clients (NAS) and the challenge step of a RADIUS sign-in.
  'radius.client.add': { label: 'RADIUS client added' },
  'radius.client.update': { label: 'RADIUS client changed' },
  'radius.client.remove': { label: 'RADIUS client removed' },
  'radius.challenge': { label: 'RADIUS code asked for', reasons: { ...CODE_REASONS, state_invalid: 'sign-in step expired or reused' } },
  'radius.request': {
    label: 'RADIUS request refused',
    reasons: {
      unknown_user: 'no user of that name (the name is not recorded)',
      bad_username: 'not a valid username',
      not_pap: 'no User-Password (only PAP is supported)',
      no_code: 'no code given',
      directory_unconfigured: 'no directory set up for the password check',
    },
  },
} as const satisfies Record<string, AuditActionInfo>;

/** An action the server writes (AuditLog.append takes only these). */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, action);
}

/** The console's label for an action; an action it does not know (an older log) as it is. */
export function auditActionLabel(action: string): string {
  return isAuditAction(action) ? AUDIT_ACTIONS[action].label : action;
}

/** A reason code in words, for the action that recorded it; free text (or an unknown code) as it is. */
export function auditReasonText(action: string, reason: string): string {
  if (!isAuditAction(action)) return reason;
  const info: AuditActionInfo = AUDIT_ACTIONS[action];
  return info.reasons && Object.hasOwn(info.reasons, reason) ? info.reasons[reason]! : reason;
}

/** What each problem an integrity check can find means, in words. */
export const AUDIT_PROBLEM_TEXTS: Record<AuditProblem, string> = {
  hash_mismatch: 'Its hash does not match its content and the entry before it: an entry was edited, inserted or removed here.',
  seq_gap: 'An entry is missing: the sequence skips it.',
  seq_order: 'Entries are out of order or repeated.',
  truncated: 'Entries are missing before the last signed point: the log was cut short.',
  checkpoint_mismatch: 'A signed checkpoint does not match the entry it covers.',
  checkpoint_missing: 'A signed checkpoint that must exist (one every 1,000 entries) is missing: checkpoints were deleted.',
  bad_signature: 'A signature does not verify under Tessera’s signing key.',
  missing_head: 'The signed head of the log is missing.',
  unsigned_tail: 'Entries after the last signed head are not covered by a signature.',
  rolled_back: 'The log is shorter than its anchor (kept outside the database) records: entries from here on were removed, or the log was emptied.',
  anchor_mismatch: 'This entry is not the one the anchor (kept outside the database) recorded: the history up to it was rewritten.',
  anchor_invalid: 'The audit anchor file beside the master key is damaged, edited or signed by another key.',
  public_key_mismatch: 'The public key stored in the database is not the one Tessera’s sealed signing key gives: it was replaced.',
  derived_mismatch: 'A column that searches use (the user or the time) does not match its entry: the entry was hidden from filters.',
  dashboard_mismatch: 'The dashboard’s counters do not match the entries they count.',
};

/** An integrity problem in words; an unknown code null (the caller shows the server's message). */
export function auditProblemText(problem: string): string | null {
  return Object.hasOwn(AUDIT_PROBLEM_TEXTS, problem) ? AUDIT_PROBLEM_TEXTS[problem as AuditProblem] : null;
}
