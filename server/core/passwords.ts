import { TesseraError } from '../../shared/errors';
import { deriveOnThreadPool, scryptHash, scryptVerify, type ScryptCost, type ScryptDerive } from './crypto/scryptHash';
import { defaultRandomBytes, type RandomBytes } from './random';
import { PASSWORD_MAX_LENGTH } from '../../shared/passwordRules';

/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (128 MiB; maxmem 256 MiB). */
export const PASSWORD_SCRYPT_COST: ScryptCost = { log2N: 17, r: 8, p: 1, keyLength: 32 };
// The rules for a new password live in shared/ so the console checks them as typed.
export { PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, passwordProblems } from '../../shared/passwordRules';

// NFKC so the same password typed on another keyboard or OS (composed vs
// decomposed accents, full-width forms) still matches (800-63B §5.1.1.2).
function normalize(pw: string): string {
  return pw.normalize('NFKC');
}

/** Length in characters as people count them (code points), not UTF-16 units. */
function length(pw: string): number {
  return [...pw].length;
}

/** `derive` does the scrypt work (libuv's pool by default; the server's password lane passes its hashing threads'). */
export async function hashPassword(pw: string, randomBytes: RandomBytes = defaultRandomBytes, derive: ScryptDerive = deriveOnThreadPool): Promise<string> {
  if (typeof pw !== 'string' || pw.length === 0) throw new TesseraError('bad_request', 'A password is required');
  const n = normalize(pw);
  if (length(n) > PASSWORD_MAX_LENGTH) {
    throw new TesseraError('bad_request', `A password can be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  return scryptHash(n, PASSWORD_SCRYPT_COST, randomBytes, derive);
}

/**
 * Cost and salt come from the stored encoding. An over-long input is refused
 * before hashing (it can never have been stored). A malformed encoding throws
 * 'integrity' rather than quietly failing every login.
 */
export async function verifyPassword(pw: string, encoded: string, derive: ScryptDerive = deriveOnThreadPool): Promise<boolean> {
  if (typeof pw !== 'string' || pw.length > PASSWORD_MAX_LENGTH * 4) return false;
  const n = normalize(pw);
  if (length(n) > PASSWORD_MAX_LENGTH) return false;
  return scryptVerify(n, encoded, derive);
}

/**
 * Spends the same time as a real verify and returns false: call it when the
 * operator does not exist, so response timing does not reveal who does.
 */
export async function verifyPasswordAgainstNothing(pw: string, derive: ScryptDerive = deriveOnThreadPool): Promise<false> {
  await scryptHash(typeof pw === 'string' ? normalize(pw).slice(0, PASSWORD_MAX_LENGTH) : '', PASSWORD_SCRYPT_COST, defaultRandomBytes, derive);
  return false;
}
