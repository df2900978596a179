import { createHash, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from './random';

/** ASVS / 800-63B: session ids and similar at least 128 bits. */
export const TOKEN_MIN_BYTES = 16;

/** Random base64url token for session ids, setup links, challenges. Store only hashToken(token). */
export function generateToken(bytes = 32, randomBytes: RandomBytes = defaultRandomBytes): string {
  if (!Number.isSafeInteger(bytes) || bytes < TOKEN_MIN_BYTES || bytes > 1024) {
    throw new TesseraError('internal', `A token needs ${TOKEN_MIN_BYTES} to 1024 random bytes`);
  }
  return Buffer.from(takeRandomBytes(randomBytes, bytes)).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Hashing first gives equal lengths, so neither content nor length leaks through timing. */
export function constantTimeEqualStrings(a: string, b: string): boolean {
  const x = createHash('sha256').update(String(a), 'utf8').digest();
  const y = createHash('sha256').update(String(b), 'utf8').digest();
  // `a === b` runs only once the digests match; it catches lone surrogates,
  // which UTF-8 encoding maps to the same replacement character.
  return timingSafeEqual(x, y) && a === b;
}
