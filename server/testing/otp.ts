import { base32Decode } from '../core/otp/secret';
import { generateHotp } from '../core/otp/hotp';
import { generateTotp } from '../core/otp/totp';
import type { OtpAlgorithm, OtpDigits, TotpPeriod } from '../core/otp/types';

/**
 * The one "authenticator app" for tests, e2e and bench: codes of a Base32
 * secret computed with Tessera's own core (RFC 4226/6238), so every suite
 * agrees with the server on what a code is.
 */

/** What a test needs to compute a factor's codes (defaults: SHA1, 6 digits, 30 s). */
export interface OtpParams {
  /** Base32, as returned once at enrollment. */
  secret: string;
  algorithm?: OtpAlgorithm;
  digits?: OtpDigits;
  period?: TotpPeriod;
}

/** The TOTP code at a time (ms), optionally a number of steps away from it. */
export function totpCode(f: OtpParams, atMs: number, stepOffset = 0): string {
  const period = f.period ?? 30;
  const epochSeconds = Math.floor(atMs / 1000) + stepOffset * period;
  return generateTotp({ secret: base32Decode(f.secret), algorithm: f.algorithm ?? 'SHA1', digits: f.digits ?? 6, period }, epochSeconds);
}

export function hotpCode(f: Omit<OtpParams, 'period'>, counter: number): string {
  return generateHotp({ secret: base32Decode(f.secret), algorithm: f.algorithm ?? 'SHA1', digits: f.digits ?? 6 }, counter);
}

/** A code of the same length that is not `code` (and not any code in `avoid`). */
export function wrongCode(code: string, avoid: readonly string[] = []): string {
  for (let i = 1; i < 10; i++) {
    const candidate = code
      .split('')
      .map((d) => String((Number(d) + i) % 10))
      .join('');
    if (candidate !== code && !avoid.includes(candidate)) return candidate;
  }
  throw new Error('no wrong code found');
}

/** The 30 s TOTP step a time (ms) falls in. */
export function totpStepAt(nowMs: number, period: TotpPeriod = 30): number {
  return Math.floor(nowMs / 1000 / period);
}

/** The 6-digit SHA-1 code of a Base32 secret for one 30 s step. */
export function codeForStep(secret: string, step: number): string {
  return totpCode({ secret }, step * 30_000);
}
