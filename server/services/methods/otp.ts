import { randomUUID } from 'node:crypto';
import type { EnrolledFactor, EnrollFactorInput, FactorView } from '../../../shared/schemas/factors';
import { buildOtpauthUri } from '../../core/otp/otpauthUri';
import { base32Encode, generateOtpSecret } from '../../core/otp/secret';
import type { FactorRow, UserRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { factorAad } from '../otpFactor';

/** What TOTP and HOTP share: a sealed seed on a factor row, enrolled pending and confirmed by a first code. */

/** The enrollment input of one OTP type. */
export type OtpEnrollInput<T extends 'totp' | 'hotp'> = EnrollFactorInput & { type: T };

/** What a new pending OTP factor gives its caller, once: the seed and the URI that carries it. */
export interface NewPendingOtpFactor extends EnrolledFactor {
  /** The raw seed (the caller formats it; it is sealed at rest and never shown again). */
  secretBytes: Uint8Array;
  expiresAtMs: number;
}

/** Seals a fresh seed and inserts a pending factor of `input.type`. Inside the caller's transaction; no audit entry. */
export function insertPendingOtp(ctx: ServiceContext, user: UserRow, input: EnrollFactorInput, now: number): NewPendingOtpFactor {
  const settings = ctx.settings.get();
  const secret = generateOtpSecret();
  const id = randomUUID();
  const { sealed, keyVersion } = ctx.keyring.seal(secret, factorAad(id));
  const expiresAt = now + settings.pendingExpiryHours * 3_600_000;
  ctx.store.factors.insertPending({
    id,
    user_id: user.id,
    type: input.type,
    label: input.label ?? null,
    algorithm: input.algorithm,
    digits: input.digits,
    period: input.type === 'totp' ? input.period : null,
    secret_sealed: sealed,
    key_version: keyVersion,
    created_at: now,
    expires_at: expiresAt,
  });
  const otpauthUri = buildOtpauthUri({
    type: input.type,
    issuer: settings.issuer,
    account: user.username,
    secret,
    algorithm: input.algorithm,
    digits: input.digits,
    ...(input.type === 'totp' ? { period: input.period } : { counter: 0 }),
  });
  return {
    id,
    type: input.type,
    status: 'pending',
    secret: base32Encode(secret),
    otpauthUri,
    expiresAt: new Date(expiresAt).toISOString(),
    secretBytes: secret,
    expiresAtMs: expiresAt,
  };
}

/** An OTP factor's parameters, as its view shows them (never the seed). */
export function describeOtp(f: FactorRow): Partial<FactorView> {
  return { algorithm: f.algorithm, digits: f.digits, period: f.period };
}
