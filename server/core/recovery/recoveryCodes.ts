import { TesseraError } from '../../../shared/errors';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from '../random';
import { deriveOnThreadPool, scryptHash, scryptVerify, type ScryptCost, type ScryptDerive } from '../crypto/scryptHash';
import { encode5bit } from '../otp/secret';

/** No 0/O, 1/I/L look-alikes; 32 symbols so each carries exactly 5 bits. */
export const RECOVERY_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const RECOVERY_CODES_PER_SET = 10;
/** 4 symbols (20 bits): not secret, only picks the row so a verify does one slow hash. */
export const RECOVERY_LOOKUP_LENGTH = 4;
/** 12 symbols = 60 bits of secret (≥ 40 required by 800-63B §5.1.2). */
export const RECOVERY_SECRET_LENGTH = 12;

export interface RecoveryCode {
  lookupId: string;
  secret: string;
  /** "ABCD-EFGH-JKMN-PQRS": shown once to the user, never stored. */
  display: string;
}

/** Interactive-speed scrypt: 60 random bits do not need the password cost. */
export const RECOVERY_SCRYPT_COST: ScryptCost = { log2N: 15, r: 8, p: 1, keyLength: 32 };

const SYMBOLS = RECOVERY_LOOKUP_LENGTH + RECOVERY_SECRET_LENGTH; // 16 symbols = 80 bits = 10 bytes
const CODE_RE = new RegExp(`^[${RECOVERY_ALPHABET}]{${SYMBOLS}}$`);

export function generateRecoveryCodeSet(randomBytes: RandomBytes = defaultRandomBytes): RecoveryCode[] {
  const codes: RecoveryCode[] = [];
  const seen = new Set<string>();
  // Collisions of a 20-bit id among 10 are rare (~1 in 23 000 sets); a source
  // that keeps colliding is broken, not unlucky.
  for (let attempts = 0; codes.length < RECOVERY_CODES_PER_SET; attempts++) {
    if (attempts >= 1000) throw new TesseraError('internal', 'The random source keeps repeating itself');
    const symbols = encode5bit(takeRandomBytes(randomBytes, (SYMBOLS * 5) / 8), RECOVERY_ALPHABET);
    const lookupId = symbols.slice(0, RECOVERY_LOOKUP_LENGTH);
    if (seen.has(lookupId)) continue;
    seen.add(lookupId);
    const secret = symbols.slice(RECOVERY_LOOKUP_LENGTH);
    codes.push({ lookupId, secret, display: formatRecoveryCode(lookupId + secret) });
  }
  return codes;
}

/** Accepts any case, dashes and spaces; anything outside the alphabet → null (no guessing O→0). */
export function parseRecoveryCode(normalized: string): { lookupId: string; secret: string } | null {
  if (typeof normalized !== 'string' || normalized.length > 64) return null;
  const compact = normalized.replace(/[\s-]/g, '').toUpperCase();
  if (!CODE_RE.test(compact)) return null;
  return { lookupId: compact.slice(0, RECOVERY_LOOKUP_LENGTH), secret: compact.slice(RECOVERY_LOOKUP_LENGTH) };
}

/**
 * Salted slow hash of the secret part; async so the work runs on the libuv
 * pool. Any string is accepted (callers hash a dummy to equalise timing), but
 * case, spaces and dashes are normalised here and in verify, so a valid code
 * typed differently can never fail.
 */
export async function hashRecoveryCodeSecret(
  secret: string,
  randomBytes: RandomBytes = defaultRandomBytes,
  derive: ScryptDerive = deriveOnThreadPool,
): Promise<string> {
  return scryptHash(canonicalSecret(secret), RECOVERY_SCRYPT_COST, randomBytes, derive);
}

/** Always costs exactly one hash, whatever the input, so timing tells nothing. */
export async function verifyRecoveryCodeSecret(secret: string, encoded: string, derive: ScryptDerive = deriveOnThreadPool): Promise<boolean> {
  return scryptVerify(canonicalSecret(secret), encoded, derive);
}

function canonicalSecret(secret: string): string {
  return typeof secret === 'string' ? secret.slice(0, 256).replace(/[\s-]/g, '').toUpperCase() : '';
}

function formatRecoveryCode(compact: string): string {
  return (compact.match(/.{4}/g) ?? []).join('-');
}
