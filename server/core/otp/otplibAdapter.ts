import { generateSync } from 'otplib';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import type { OtpAlgorithm, OtpParams } from './types';

/**
 * HMACs through Node's OpenSSL rather than otplib's default pure-JS (noble)
 * hashes: the verify path computes several per request, and this is ~20x
 * cheaper. Same results: the RFC 4226/6238 vectors run against it.
 */
export const OTP_CRYPTO = new NodeCryptoPlugin();

/** otplib spells algorithms in lowercase. */
export function otplibAlgorithm(a: OtpAlgorithm): 'sha1' | 'sha256' | 'sha512' {
  switch (a) {
    case 'SHA1':
      return 'sha1';
    case 'SHA256':
      return 'sha256';
    case 'SHA512':
      return 'sha512';
  }
}

/** The shape check done before any HMAC: user input never reaches otplib's throwing validators. */
export function isCodeShape(code: unknown, digits: number): code is string {
  return typeof code === 'string' && code.length === digits && /^[0-9]+$/.test(code);
}

/**
 * otplib throws its own errors (short secret, bad algorithm). Those are
 * configuration faults, not user faults; re-throw without the original message
 * so no library text that might mention inputs reaches a response.
 */
export function callOtplib<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    const name = e instanceof Error ? e.name : 'Error';
    throw new TesseraError('internal', `OTP computation failed (${name})`);
  }
}

export function hotpAt(p: OtpParams, counter: number): string {
  return callOtplib(() =>
    generateSync({
      strategy: 'hotp',
      crypto: OTP_CRYPTO,
      secret: p.secret,
      algorithm: otplibAlgorithm(p.algorithm),
      digits: p.digits,
      counter,
    }),
  );
}

/** Constant-time for equal lengths; lengths are public (the digit count). */
export function codesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function requireNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TesseraError('internal', `${what} must be a non-negative integer`);
  }
}
