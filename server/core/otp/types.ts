/** Algorithms the authenticator apps we target understand (RFC 6238 §1.2). */
export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
/** At least 6 digits (NIST 800-63B); 7 is legal in RFC 4226 but rarely supported by apps. */
export type OtpDigits = 6 | 8;
export type TotpPeriod = 30 | 60;

export interface OtpParams {
  /** Raw seed bytes (not Base32). */
  secret: Uint8Array;
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
}

export interface TotpParams extends OtpParams {
  period: TotpPeriod;
}

export const OTP_ALGORITHMS: readonly OtpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
export const OTP_DIGITS: readonly OtpDigits[] = [6, 8];
export const TOTP_PERIODS: readonly TotpPeriod[] = [30, 60];

export function isOtpAlgorithm(v: unknown): v is OtpAlgorithm {
  return typeof v === 'string' && (OTP_ALGORITHMS as readonly string[]).includes(v);
}
export function isOtpDigits(v: unknown): v is OtpDigits {
  return typeof v === 'number' && (OTP_DIGITS as readonly number[]).includes(v);
}
export function isTotpPeriod(v: unknown): v is TotpPeriod {
  return typeof v === 'number' && (TOTP_PERIODS as readonly number[]).includes(v);
}
