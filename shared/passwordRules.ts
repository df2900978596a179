/**
 * The rules a new operator password must meet, in one place for the server
 * (which enforces them on setup, creation, reset and change) and the console
 * (which checks them as the operator types, before sending anything).
 * NIST 800-63B §5.1.1.2: length over composition rules; NFKC so the same
 * password typed on another keyboard or OS counts the same.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** How long a password set by someone else (a new operator's, a reset one) signs in before its owner has replaced it. */
export const TEMPORARY_PASSWORD_DAYS = 7;

/** The rules in words, for the forms that ask for a new password. */
export const PASSWORD_RULES_TEXT = `At least ${PASSWORD_MIN_LENGTH} characters (a few words work well), not one character repeated, not your username.`;

/** Human-readable reasons a new password is refused; empty when acceptable. `username`: the account it is for, which it must not contain. */
export function passwordProblems(pw: string, context: { username?: string } = {}): string[] {
  if (typeof pw !== 'string') return ['The password must be text.'];
  const n = pw.normalize('NFKC');
  const chars = [...n];
  const problems: string[] = [];
  if (chars.length < PASSWORD_MIN_LENGTH) problems.push(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
  if (chars.length > PASSWORD_MAX_LENGTH) problems.push(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
  if (chars.length > 0 && chars.every((c) => c === chars[0])) problems.push('Do not repeat a single character.');
  const name = context.username?.normalize('NFKC').trim().toLowerCase() ?? '';
  if (name.length >= 3 && n.toLowerCase().includes(name)) problems.push('Do not use your username in your password.');
  return problems;
}
