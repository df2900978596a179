import { z } from 'zod';

/**
 * Text that reaches the database or the audit log: NFKC-normalised, trimmed,
 * and free of control, format (zero-width, bidi override) and separator
 * characters that would let two names look alike or hide text in a log.
 */
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u;

export function cleanText(max: number, label: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${label} is required` : `${label} must be text`) })
    .transform((s) => s.normalize('NFKC').trim())
    .pipe(
      z
        .string()
        .min(1, `${label} must not be empty`)
        .max(max, `${label} must be at most ${max} characters`)
        .refine((s) => !FORBIDDEN_CHARS.test(s), `${label} contains invisible or control characters`),
    );
}

/**
 * Usernames: 1–128 characters after trimming and NFKC; compared
 * case-insensitively. "." and ".." are refused: no URL client can address
 * them as a path segment, so the REST API could never reach such a user.
 */
export const Username = cleanText(128, 'Username').refine((s) => s !== '.' && s !== '..', 'Username cannot be "." or ".."');
export type Username = z.infer<typeof Username>;

/** The key usernames are compared and indexed by. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

export const DisplayName = cleanText(200, 'Display name');
export const Email = z
  .string({ error: (issue) => (issue.input === undefined ? 'Email is required' : 'Email must be text') })
  .trim()
  .max(254, 'Email must be at most 254 characters')
  .pipe(z.email({ error: 'Email is not a valid address' }));

/** Why an operator or application did something destructive: kept in the audit log. */
export const Reason = cleanText(500, 'Reason');

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not a valid id');

/** An opaque paging cursor. */
export const Cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]*$/, 'Not a valid cursor');

export const Limit = z.coerce.number().int().min(1).max(500).default(50);

/** A yes/no flag that arrives as a JSON boolean (console) or a query-string word (REST): "false" means false. */
export const Flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1')]);
