import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from '../random';

const KEY_BYTES = 32;
const NONCE_BYTES = 12; // 96-bit nonce: the GCM fast path (SP 800-38D §8.2.2, random construction)
const TAG_BYTES = 16;
const DATA_KEY_AAD = 'tessera:data-key:v1';

/**
 * AES-256-GCM with a fresh random nonce per call. Layout: nonce | tag | ciphertext.
 * The aad binds the ciphertext to its place (e.g. "factor:<id>:seed"), so a
 * sealed seed copied to another row fails to open.
 */
export function sealSecret(dataKey: Buffer, plaintext: Uint8Array, aad: string, randomBytes: RandomBytes = defaultRandomBytes): Buffer {
  checkKey(dataKey);
  const nonce = takeRandomBytes(randomBytes, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]);
}

/** One error for every failure (tamper, wrong aad, wrong key, truncation): nothing to tell them apart by. */
export function openSecret(dataKey: Buffer, sealed: Uint8Array, aad: string): Buffer {
  checkKey(dataKey);
  if (!(sealed instanceof Uint8Array) || sealed.length < NONCE_BYTES + TAG_BYTES) throw integrityError();
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, buf.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(buf.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    return Buffer.concat([decipher.update(buf.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw integrityError();
  }
}

export function generateDataKey(randomBytes: RandomBytes = defaultRandomBytes): Buffer {
  return Buffer.from(takeRandomBytes(randomBytes, KEY_BYTES));
}

/** The data key at rest, sealed under the master key (safeStorage or key file). */
export function wrapDataKey(masterKey: Buffer, dataKey: Buffer, randomBytes: RandomBytes = defaultRandomBytes): Buffer {
  checkKey(dataKey);
  return sealSecret(masterKey, dataKey, DATA_KEY_AAD, randomBytes);
}

export function unwrapDataKey(masterKey: Buffer, wrapped: Uint8Array): Buffer {
  const key = openSecret(masterKey, wrapped, DATA_KEY_AAD);
  if (key.length !== KEY_BYTES) throw integrityError();
  return key;
}

/** 64 hex chars, or base64 / base64url of exactly 32 bytes (padding optional). */
export function parseMasterKey(text: string): Buffer {
  const t = typeof text === 'string' ? text.trim() : '';
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    // Re-encode to refuse non-canonical text (stray low bits) that would decode to the same key.
    if (key.length === KEY_BYTES && key.toString('base64').replace(/=+$/, '') === t.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/')) {
      return key;
    }
  }
  throw new TesseraError('bad_request', 'The master key must be 64 hex characters or base64 of 32 bytes');
}

function checkKey(key: Buffer): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new TesseraError('internal', 'An AES-256 key must be 32 bytes');
  }
}

function integrityError(): TesseraError {
  return new TesseraError('integrity', 'A sealed secret failed its integrity check');
}
