import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { TesseraError } from '../../shared/errors';

/** A source of cryptographically secure random bytes; injectable so tests are deterministic. */
export type RandomBytes = (n: number) => Uint8Array;

// Wrapped so the overloaded node signature (with callback) never leaks into ours.
export const defaultRandomBytes: RandomBytes = (n) => nodeRandomBytes(n);

/** Calls the source and checks it returned what was asked: a short buffer would silently weaken a secret. */
export function takeRandomBytes(randomBytes: RandomBytes, n: number): Uint8Array {
  const out = randomBytes(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new TesseraError('internal', 'The random source returned the wrong number of bytes');
  }
  return out;
}
