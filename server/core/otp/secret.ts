import { TesseraError } from '../../../shared/errors';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from '../random';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DECODE: Record<string, number> = Object.fromEntries([...ALPHABET].map((c, i) => [c, i]));

/** RFC 4226 §4: 160 bits recommended, 128 the floor. 64 is otplib's ceiling. */
export const OTP_SECRET_MIN_BYTES = 16;
export const OTP_SECRET_MAX_BYTES = 64;
export const OTP_SECRET_DEFAULT_BYTES = 20;

export function generateOtpSecret(randomBytes: RandomBytes = defaultRandomBytes, bytes: number = OTP_SECRET_DEFAULT_BYTES): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < OTP_SECRET_MIN_BYTES || bytes > OTP_SECRET_MAX_BYTES) {
    throw new TesseraError('bad_request', `An OTP secret must be ${OTP_SECRET_MIN_BYTES} to ${OTP_SECRET_MAX_BYTES} bytes`);
  }
  // Copy so a caller's buffer pool can never alias the secret.
  return Uint8Array.from(takeRandomBytes(randomBytes, bytes));
}

/**
 * Bytes as 5-bit symbols of a 32-character alphabet, most significant bits
 * first; leftover bits are zero-padded into a last symbol. Base32 (RFC 4648)
 * with the standard alphabet; API keys and recovery codes use it with theirs
 * (with 32 symbols every value is equally likely: no modulo bias).
 */
export function encode5bit(bytes: Uint8Array, alphabet: string = ALPHABET): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff; // only the low bits still pending matter
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** RFC 4648 Base32, uppercase, unpadded (the Key URI format wants no padding). */
export function base32Encode(bytes: Uint8Array): string {
  return encode5bit(bytes);
}

/**
 * Lenient on what people type or paste (lowercase, spaces, trailing '='), strict
 * on everything else. The message never echoes the input: it may be a seed.
 */
export function base32Decode(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  const body = compact.replace(/=+$/, '');
  // Lengths 1, 3 and 6 mod 8 cannot come from whole bytes.
  const rem = body.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) {
    throw new TesseraError('bad_request', 'The Base32 text has an impossible length');
  }
  const out = new Uint8Array(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let i = 0;
  for (const ch of body) {
    const v = DECODE[ch];
    if (v === undefined) {
      throw new TesseraError('bad_request', 'The Base32 text contains a character outside A–Z and 2–7');
    }
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[i++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}

/** "JBSW Y3DP EHPK 3PXP": easier to read aloud and type by hand (one copy, in shared/, for console, sheets and CLI). */
export { groupSecret as formatSecretGroups } from '../../../shared/format';
