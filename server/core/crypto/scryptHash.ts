import { scrypt, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import { defaultRandomBytes, takeRandomBytes, type RandomBytes } from '../random';

/** scrypt cost: N = 2^log2N. Memory is about 128·N·r bytes. */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
  keyLength: number;
}

const SALT_BYTES = 16;
// Limits on what a stored encoding may ask for, so a tampered row cannot make
// one verify allocate gigabytes or run for minutes.
const MAX_LOG2N = 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 512 * 1024 * 1024;

/**
 * The slow part alone: the scrypt key of `secret` (as UTF-8) under `salt`
 * and an already checked cost. The default runs on libuv's thread pool;
 * the server passes one that runs in its low-priority hashing threads
 * (server/runtime/scryptPool.ts). Parsing, salts and comparing stay here.
 */
export type ScryptDerive = (secret: string, salt: Uint8Array, cost: ScryptCost) => Promise<Uint8Array>;

/** Salted scrypt, encoded `scrypt$<log2N>$<r>$<p>$<salt b64url>$<hash b64url>` so the cost can rise later. */
export async function scryptHash(
  secret: string,
  cost: ScryptCost,
  randomBytes: RandomBytes = defaultRandomBytes,
  derive: ScryptDerive = deriveOnThreadPool,
): Promise<string> {
  checkCost(cost, 'internal');
  const salt = Buffer.from(takeRandomBytes(randomBytes, SALT_BYTES));
  const hash = Buffer.from(await derive(secret, salt, cost));
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** The cost is read from the encoding. A malformed encoding is data corruption: integrity error. */
export async function scryptVerify(secret: string, encoded: string, derive: ScryptDerive = deriveOnThreadPool): Promise<boolean> {
  const parsed = parseScryptEncoding(encoded);
  const actual = await derive(secret, parsed.salt, parsed.cost);
  // A deriver that returned the wrong length is a fault, not a mismatch (timingSafeEqual would throw a RangeError).
  if (actual.byteLength !== parsed.hash.length) throw new TesseraError('internal', 'Key derivation failed');
  return timingSafeEqual(actual, parsed.hash);
}

export function parseScryptEncoding(encoded: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } {
  const parts = typeof encoded === 'string' ? encoded.split('$') : [];
  const [tag, n, r, p, salt64, hash64] = parts;
  const int = (s: string | undefined) => (s !== undefined && /^[0-9]{1,3}$/.test(s) ? Number(s) : NaN);
  const b64 = (s: string | undefined) => (s !== undefined && /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url') : Buffer.alloc(0));
  if (parts.length !== 6 || tag !== 'scrypt') throw malformed();
  const salt = b64(salt64);
  const hash = b64(hash64);
  const cost: ScryptCost = { log2N: int(n), r: int(r), p: int(p), keyLength: hash.length };
  if (salt.length < SALT_BYTES || hash.length < 16 || hash.length > 64) throw malformed();
  checkCost(cost, 'integrity');
  return { cost, salt, hash };
}

/** Memory ceiling that fits the cost with room for scrypt's own buffers. */
export function scryptMaxmem(cost: ScryptCost): number {
  return 256 * 2 ** cost.log2N * cost.r;
}

/** Node's scrypt options for a cost (the same for the thread pool and a hashing thread's scryptSync). */
export function scryptOptions(cost: ScryptCost): { N: number; r: number; p: number; maxmem: number } {
  return { N: 2 ** cost.log2N, r: cost.r, p: cost.p, maxmem: scryptMaxmem(cost) };
}

/** The default deriver: libuv's thread pool, at the process's priority. */
export function deriveOnThreadPool(secret: string, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, cost.keyLength, scryptOptions(cost), (err, key) =>
      err ? reject(new TesseraError('internal', 'Key derivation failed')) : resolve(key),
    );
  });
}

function checkCost(c: ScryptCost, code: 'internal' | 'integrity'): void {
  const ok =
    [c.log2N, c.r, c.p, c.keyLength].every(Number.isSafeInteger) &&
    c.log2N >= 1 &&
    c.log2N <= MAX_LOG2N &&
    c.r >= 1 &&
    c.r <= MAX_R &&
    c.p >= 1 &&
    c.p <= MAX_P &&
    c.keyLength >= 16 &&
    c.keyLength <= 64 &&
    scryptMaxmem(c) <= MAX_MEMORY;
  if (!ok) throw code === 'integrity' ? malformed() : new TesseraError('internal', 'Unsupported scrypt cost');
}

function malformed(): TesseraError {
  return new TesseraError('integrity', 'A stored hash is malformed');
}
