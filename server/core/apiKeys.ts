import { createHash } from 'node:crypto';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from './random';
import { encode5bit } from './otp/secret';

/**
 * `tsk_<32 base32 chars: 160 random bits>_<6 chars: 30-bit checksum>`.
 * The prefix makes a leaked key recognisable to secret scanners; the
 * checksum lets us reject typos without a database lookup.
 */
export const API_KEY_PREFIX = 'tsk_';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const BODY_BYTES = 20;
const BODY_LENGTH = 32; // 20 bytes × 8 / 5
const CHECKSUM_LENGTH = 6; // 30 bits
export const API_KEY_LENGTH = API_KEY_PREFIX.length + BODY_LENGTH + 1 + CHECKSUM_LENGTH; // 43
const DISPLAY_PREFIX_LENGTH = 12;
const KEY_RE = /^tsk_([a-z2-7]{32})_([a-z2-7]{6})$/;

export function generateApiKey(randomBytes: RandomBytes = defaultRandomBytes): { key: string; prefix: string; hash: string } {
  const body = encode5bit(takeRandomBytes(randomBytes, BODY_BYTES), ALPHABET); // 160 bits: no leftover
  const key = `${API_KEY_PREFIX}${body}_${checksum(body)}`;
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), hash: hashApiKey(key) };
}

/** Offline shape and checksum check; says nothing about whether the key exists. */
export function checkApiKeyFormat(key: string): boolean {
  if (typeof key !== 'string' || key.length !== API_KEY_LENGTH) return false;
  const m = KEY_RE.exec(key);
  return m !== null && checksum(m[1]!) === m[2];
}

/** Only this is stored: 160 random bits need no slow hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function checksum(body: string): string {
  const d = createHash('sha256').update(body, 'ascii').digest();
  const first30 = d.readUInt32BE(0) >>> 2;
  let out = '';
  for (let shift = 25; shift >= 0; shift -= 5) out += ALPHABET[(first30 >>> shift) & 31];
  return out;
}
