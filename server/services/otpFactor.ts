import type { OtpParams, TotpParams } from '../core/otp/types';
import type { FactorRow } from '../store/index';
import type { Keyring } from './keyring';

/** The associated data that binds a sealed seed to its factor row: a seed moved to another row will not open. */
export const factorAad = (factorId: string) => `tessera:factor:${factorId}`;

/** Opens a TOTP/HOTP factor's seed into the parameters the core needs. The seed lives only in this call. */
export function otpParamsOf(keyring: Keyring, f: FactorRow): TotpParams {
  if (!f.secret_sealed || f.key_version === null || !f.algorithm || !f.digits) {
    throw new Error(`Factor ${f.id} has no sealed OTP secret`);
  }
  const secret = keyring.open(f.secret_sealed, f.key_version, factorAad(f.id));
  const base: OtpParams = { secret, algorithm: f.algorithm, digits: f.digits };
  return { ...base, period: f.period ?? 30 };
}
