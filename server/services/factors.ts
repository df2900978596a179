import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import type { AuditAction } from '../../shared/auditActions';
import type { EnrolledFactor, EnrollFactorInput, FactorView } from '../../shared/schemas/factors';
import { METHOD_LABELS } from '../../shared/schemas/methods';
import { base32Encode, generateOtpSecret } from '../core/otp/secret';
import { buildOtpauthUri } from '../core/otp/otpauthUri';
import { verifyTotp } from '../core/otp/totp';
import { resyncHotp, verifyHotp } from '../core/otp/hotp';
import type { FactorRow, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { factorAad, otpParamsOf } from './otpFactor';
import { requireUser } from './users';
import { toFactorView } from './views';

/** A user may hold this many factors (pending included): enough for spares, not a resource sink. */
export const MAX_FACTORS_PER_USER = 20;

export function requireMethodEnabled(ctx: ServiceContext, method: 'totp' | 'hotp' | 'recovery' | 'webauthn' | 'email'): void {
  if (!ctx.settings.isEnabled(method)) {
    throw new TesseraError('method_disabled', `${METHOD_LABELS[method]} is turned off in this Tessera's settings`);
  }
}

/** What a new pending OTP factor gives its caller, once: the seed and the URI that carries it. */
export interface NewPendingOtpFactor extends EnrolledFactor {
  /** The raw seed (the caller formats it; it is sealed at rest and never shown again). */
  secretBytes: Uint8Array;
  expiresAtMs: number;
}

/**
 * Seals a fresh seed and inserts a pending TOTP/HOTP factor for `user`. Runs
 * inside the caller's transaction and appends no audit entry: the caller's
 * use case (enroll, sheet issue) appends its own, one per change. Refuses a
 * user who already holds MAX_FACTORS_PER_USER factors.
 */
export function insertPendingOtpFactor(ctx: ServiceContext, user: UserRow, input: EnrollFactorInput, now: number): NewPendingOtpFactor {
  if (!ctx.store.db.sqlite.inTransaction) throw new Error('insertPendingOtpFactor must run inside a transaction');
  if (ctx.store.factors.listByUser(user.id).length >= MAX_FACTORS_PER_USER) {
    throw new TesseraError('conflict', `This user already has ${MAX_FACTORS_PER_USER} factors; remove one first`);
  }
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
    id, type: input.type, status: 'pending', secret: base32Encode(secret), otpauthUri,
    expiresAt: new Date(expiresAt).toISOString(), secretBytes: secret, expiresAtMs: expiresAt,
  };
}

/**
 * Creates a pending TOTP/HOTP factor with a fresh seed. The seed is returned
 * here once and sealed at rest; the factor verifies only after confirmation.
 */
export function enrollOtpFactor(ctx: ServiceContext, username: string, input: EnrollFactorInput, actor: Actor, action: AuditAction = 'factor.enroll'): EnrolledFactor {
  requireMethodEnabled(ctx, input.type);
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const created = insertPendingOtpFactor(ctx, user, input, now);
    ctx.audit.append({
      actor, action, user: user.username, outcome: 'success',
      details: { factorId: created.id, type: input.type, algorithm: input.algorithm, digits: input.digits, ...(input.type === 'totp' ? { period: input.period } : {}) },
    });
    const { id, type, status, secret, otpauthUri, expiresAt } = created;
    return { id, type, status, secret, otpauthUri, expiresAt };
  });
}

function requireFactor(ctx: ServiceContext, userId: string, factorId: string): FactorRow {
  const factor = ctx.store.factors.find(userId, factorId);
  if (!factor) throw new TesseraError('not_found', 'This user has no factor with that id');
  return factor;
}

/** Activates a pending factor with its first code. A wrong code is audited and changes nothing else. */
export function confirmFactor(ctx: ServiceContext, username: string, factorId: string, code: string, actor: Actor): { status: 'active'; factor: FactorView } {
  const now = ctx.clock();
  const outcome = ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    if (factor.status !== 'pending') throw new TesseraError('conflict', 'This factor is already active');
    if (factor.expires_at !== null && factor.expires_at <= now) {
      throw new TesseraError('not_found', 'This enrollment has expired; enroll the factor again');
    }
    if (factor.type !== 'totp' && factor.type !== 'hotp') throw new TesseraError('bad_request', 'Only TOTP and HOTP factors are confirmed with a code');
    requireMethodEnabled(ctx, factor.type);
    const params = otpParamsOf(ctx.keyring, factor);
    const digits = code.replace(/\s+/g, '');
    let state: { last_step: number; counter: number } | null = null;
    if (factor.type === 'totp') {
      const r = verifyTotp(params, digits, { epochSeconds: Math.floor(now / 1000), window: ctx.settings.get().totpWindow, lastStep: 0 });
      if (r.ok) state = { last_step: r.step, counter: 0 };
    } else {
      const r = verifyHotp(params, digits, { counter: 0 });
      if (r.ok) state = { last_step: 0, counter: r.nextCounter };
    }
    if (!state) {
      ctx.audit.append({ actor, action: 'factor.confirm', user: user.username, outcome: 'failure', reason: 'invalid_code', details: { factorId } });
      return 'invalid' as const;
    }
    ctx.store.factors.activate(factor.id, now, state);
    ctx.audit.append({ actor, action: 'factor.confirm', user: user.username, outcome: 'success', details: { factorId, type: factor.type } });
    return toFactorView(requireFactor(ctx, user.id, factorId));
  });
  if (outcome === 'invalid') throw new TesseraError('invalid_code', 'That code is not right for this factor; check the device clock and try the next code');
  return { status: 'active', factor: outcome };
}

export function deleteFactor(ctx: ServiceContext, username: string, factorId: string, reason: string, actor: Actor): void {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    ctx.store.factors.delete(user.id, factor.id);
    ctx.audit.append({ actor, action: 'factor.delete', user: user.username, outcome: 'success', reason, details: { factorId, type: factor.type, status: factor.status } });
  });
}

/** Renames a factor (the label users and operators see in lists). */
export function renameFactor(ctx: ServiceContext, username: string, factorId: string, label: string, actor: Actor): FactorView {
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    ctx.store.factors.setLabel(user.id, factor.id, label);
    ctx.audit.append({ actor, action: 'factor.rename', user: user.username, outcome: 'success', details: { factorId, type: factor.type, from: factor.label, to: label } });
    const renamed = requireFactor(ctx, user.id, factorId);
    return toFactorView(renamed, factor.type === 'webauthn' ? ctx.store.webauthn.find(factor.id) : undefined);
  });
}

/** Lost device: every factor and every recovery code goes, in one step, with the reason recorded. */
export function resetUser(ctx: ServiceContext, username: string, reason: string, actor: Actor): { factorsRemoved: number; recoveryCodesRemoved: number } {
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factorsRemoved = ctx.store.factors.deleteAllForUser(user.id);
    const recoveryCodesRemoved = ctx.store.recoveryCodes.deleteAllForUser(user.id);
    ctx.audit.append({ actor, action: 'user.reset', user: user.username, outcome: 'success', reason, details: { factorsRemoved, recoveryCodesRemoved } });
    return { factorsRemoved, recoveryCodesRemoved };
  });
}

/** HOTP resync (RFC 4226 §7.4): two consecutive codes move the counter forward past a long gap. */
export function resyncHotpFactor(ctx: ServiceContext, username: string, factorId: string, code1: string, code2: string, actor: Actor): FactorView {
  requireMethodEnabled(ctx, 'hotp');
  const now = ctx.clock();
  const result = ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    if (factor.type !== 'hotp' || factor.status !== 'active') throw new TesseraError('bad_request', 'Only an active HOTP factor can be resynchronised');
    const r = resyncHotp(otpParamsOf(ctx.keyring, factor), code1, code2, { counter: factor.counter });
    if (!r.ok || !ctx.store.factors.advanceCounter(factor.id, r.nextCounter, now)) {
      ctx.audit.append({ actor, action: 'factor.resync', user: user.username, outcome: 'failure', reason: 'invalid_code', details: { factorId } });
      return null;
    }
    ctx.audit.append({ actor, action: 'factor.resync', user: user.username, outcome: 'success', details: { factorId, skipped: r.nextCounter - factor.counter - 2 } });
    return toFactorView(requireFactor(ctx, user.id, factorId));
  });
  if (!result) throw new TesseraError('invalid_code', 'Those two codes are not consecutive codes of this token');
  return result;
}

/** Removes pending enrollments past their expiry, one audit entry each. Returns how many. */
export function expirePendingFactors(ctx: ServiceContext, actor: Actor): number {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const expired = ctx.store.factors.expiredPending(now);
    for (const f of expired) {
      ctx.store.factors.delete(f.user_id, f.id);
      ctx.audit.append({ actor, action: 'factor.expire', user: f.username, outcome: 'success', details: { factorId: f.id, type: f.type } });
    }
    return expired.length;
  });
}
