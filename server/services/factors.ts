import { TesseraError } from '../../shared/errors';
import type { AuditAction } from '../../shared/auditActions';
import type { EnrollDeliveredInput, EnrolledDeliveredFactor, EnrolledFactor, EnrollFactorInput, FactorView } from '../../shared/schemas/factors';
import { maskDestination } from '../../shared/mask';
import { sendCode } from './challenge';
import { requireTransport } from './delivery/deliver';
import { revokeTemporaryOnNewFactor } from './temporaryCodes';
import { iso } from './wireViews';
import type { FactorRow, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { appsMayRemove, factorView, methodDisplayName, toFactorView } from './factorViews';
import { isDeliveredType, type FactorType } from '../../shared/schemas/methods';
import { resyncHotpCounter } from './methods/hotp';
import type { NewPendingOtpFactor } from './methods/otp';
import { METHOD_MODULES, moduleForFactor, requireMethodEnabled } from './methods/registry';
import { requireUser } from './users';

export { requireMethodEnabled } from './methods/registry';
export type { NewPendingOtpFactor } from './methods/otp';

/**
 * Use cases over a user's factors, whatever their method: each runs in one
 * transaction with its audit entry and asks the method's module
 * (services/methods/) for what is the method's own.
 */

/** A user may hold this many factors (pending included): enough for spares, not a resource sink. */
export const MAX_FACTORS_PER_USER = 20;

/** Refuses a user who already holds MAX_FACTORS_PER_USER factors, whatever their method. */
export function requireRoomForFactor(ctx: ServiceContext, userId: string): void {
  if (ctx.store.factors.listByUser(userId).length >= MAX_FACTORS_PER_USER) {
    throw new TesseraError('conflict', `This user already has ${MAX_FACTORS_PER_USER} factors; remove one first`);
  }
}

/**
 * Seals a fresh seed and inserts a pending TOTP/HOTP factor for `user`. Runs
 * inside the caller's transaction and appends no audit entry: the caller's
 * use case (enroll, sheet issue) appends its own, one per change. Refuses a
 * user who already holds MAX_FACTORS_PER_USER factors.
 */
export function insertPendingOtpFactor(ctx: ServiceContext, user: UserRow, input: EnrollFactorInput, now: number): NewPendingOtpFactor {
  if (!ctx.store.db.inTransaction()) throw new Error('insertPendingOtpFactor must run inside a transaction');
  requireRoomForFactor(ctx, user.id);
  return input.type === 'totp'
    ? METHOD_MODULES.totp.enroll(ctx, user, { ...input, type: 'totp' }, now)
    : METHOD_MODULES.hotp.enroll(ctx, user, { ...input, type: 'hotp' }, now);
}

/**
 * Creates a pending TOTP/HOTP factor with a fresh seed. The seed is returned
 * here once and sealed at rest; the factor verifies only after confirmation.
 */
export function enrollOtpFactor(
  ctx: ServiceContext,
  username: string,
  input: EnrollFactorInput,
  actor: Actor,
  action: AuditAction = 'factor.enroll',
): EnrolledFactor {
  requireMethodEnabled(ctx, input.type);
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const created = insertPendingOtpFactor(ctx, user, input, now);
    ctx.audit.append({
      actor,
      action,
      user: user.username,
      outcome: 'success',
      details: {
        factorId: created.id,
        type: input.type,
        algorithm: input.algorithm,
        digits: input.digits,
        ...(input.type === 'totp' ? { period: input.period } : {}),
      },
    });
    const { id, type, status, secret, otpauthUri, expiresAt } = created;
    return { id, type, status, secret, otpauthUri, expiresAt };
  });
}

/**
 * Creates a pending email or SMS factor and sends its confirmation code; it
 * becomes active when that code comes back (confirm). When the code cannot
 * be sent the factor is removed again (nobody could ever confirm it) and
 * the send's error is the answer (502).
 */
export async function enrollDeliveredFactor(
  ctx: ServiceContext,
  username: string,
  input: EnrollDeliveredInput,
  actor: Actor,
): Promise<EnrolledDeliveredFactor> {
  requireMethodEnabled(ctx, input.type);
  requireTransport(ctx, input.type);
  const now = ctx.clock();
  const { user, factor } = ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    requireRoomForFactor(ctx, user.id);
    const factor = METHOD_MODULES[input.type].enroll(ctx, user, input, now);
    ctx.audit.append({
      actor,
      action: 'factor.enroll',
      user: user.username,
      outcome: 'success',
      details: { factorId: factor.id, type: factor.type, destination: maskDestination(input.type, factor.destination!) },
    });
    return { user, factor };
  });
  try {
    const sent = await sendCode(ctx, { user, factor: { ...factor, type: input.type, destination: factor.destination! }, purpose: 'confirm', actor });
    return {
      id: factor.id,
      type: input.type,
      status: 'pending',
      destination: sent.destination,
      transactionId: sent.transactionId,
      codeExpiresAt: sent.expiresAt,
      expiresAt: iso(factor.expires_at)!,
    };
  } catch (err) {
    ctx.store.tx(() => {
      if (!ctx.store.factors.delete(user.id, factor.id)) return;
      ctx.audit.append({
        actor,
        action: 'factor.delete',
        user: user.username,
        outcome: 'success',
        reason: 'its confirmation code could not be sent',
        details: { factorId: factor.id, type: factor.type, status: 'pending' },
      });
    });
    throw err;
  }
}

/**
 * Refuses an application (API key) removing factors of a method the
 * enterprise owns (settings.appsMayRemove false: mfa2's MFA_OWNED_BY_ENTERPRISE):
 * only operators may remove those.
 */
function requireRemovableBy(ctx: ServiceContext, actor: Actor, types: readonly FactorType[]): void {
  if (actor.kind !== 'apikey') return;
  const owned = types.find((t) => !appsMayRemove(ctx, t));
  if (owned) {
    throw new TesseraError(
      'forbidden',
      `Only operators may remove ${methodDisplayName(ctx, owned)} factors on this Tessera (Settings → Methods); ask your helpdesk`,
    );
  }
}

function requireFactor(ctx: ServiceContext, userId: string, factorId: string): FactorRow {
  const factor = ctx.store.factors.find(userId, factorId);
  if (!factor) throw new TesseraError('not_found', 'This user has no factor with that id');
  return factor;
}

/** Why a first code was refused, in the words that fit its method (a sent code has no device clock). */
function wrongFirstCodeMessage(type: FactorType): string {
  return isDeliveredType(type)
    ? 'That is not the code we sent; check the latest message, or send the code again'
    : 'That code is not right for this factor; check the device clock and try the next code';
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
    const method = moduleForFactor(factor.type);
    if (!method?.confirm) throw new TesseraError('bad_request', 'Only factors with codes (apps, tokens, email, SMS) are confirmed with a code');
    requireMethodEnabled(ctx, method.settings.toggle);
    const state = method.confirm(ctx, factor, code.replace(/\s+/g, ''), now);
    if (!state) {
      ctx.audit.append({ actor, action: 'factor.confirm', user: user.username, outcome: 'failure', reason: 'invalid_code', details: { factorId } });
      return { invalid: factor.type };
    }
    ctx.store.factors.activate(factor.id, now, state);
    ctx.audit.append({ actor, action: 'factor.confirm', user: user.username, outcome: 'success', details: { factorId, type: factor.type } });
    revokeTemporaryOnNewFactor(ctx, user, factor.id, actor);
    return toFactorView(ctx, requireFactor(ctx, user.id, factorId));
  });
  if ('invalid' in outcome) throw new TesseraError('invalid_code', wrongFirstCodeMessage(outcome.invalid));
  return { status: 'active', factor: outcome };
}

export function deleteFactor(ctx: ServiceContext, username: string, factorId: string, reason: string, actor: Actor): void {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    requireRemovableBy(ctx, actor, [factor.type]);
    ctx.store.factors.delete(user.id, factor.id);
    ctx.audit.append({
      actor,
      action: 'factor.delete',
      user: user.username,
      outcome: 'success',
      reason,
      details: { factorId, type: factor.type, status: factor.status },
    });
  });
}

/** Renames a factor (the label users and operators see in lists). */
export function renameFactor(ctx: ServiceContext, username: string, factorId: string, label: string, actor: Actor): FactorView {
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factor = requireFactor(ctx, user.id, factorId);
    ctx.store.factors.setLabel(user.id, factor.id, label);
    ctx.audit.append({
      actor,
      action: 'factor.rename',
      user: user.username,
      outcome: 'success',
      details: { factorId, type: factor.type, from: factor.label, to: label },
    });
    const renamed = requireFactor(ctx, user.id, factorId);
    return factorView(ctx, renamed);
  });
}

/** Lost device: every factor and every recovery code goes, in one step, with the reason recorded. Counts the unused codes it voided. */
export function resetUser(ctx: ServiceContext, username: string, reason: string, actor: Actor): { factorsRemoved: number; recoveryCodesRemoved: number } {
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    requireRemovableBy(
      ctx,
      actor,
      ctx.store.factors.listByUser(user.id).map((f) => f.type),
    );
    const factorsRemoved = ctx.store.factors.deleteAllForUser(user.id);
    // The codes that stop working: used ones are spent already, so "10 removed" when 8 were left would mislead.
    const recoveryCodesRemoved = ctx.store.recoveryCodes.counts(user.id).unused;
    ctx.store.recoveryCodes.deleteAllForUser(user.id);
    // A lost device may be a remembered one: none of them stands in for a code any more.
    const devicesRevoked = ctx.store.rememberedDevices.deleteAllForUser(user.id);
    ctx.audit.append({
      actor,
      action: 'user.reset',
      user: user.username,
      outcome: 'success',
      reason,
      details: { factorsRemoved, recoveryCodesRemoved, ...(devicesRevoked > 0 ? { devicesRevoked } : {}) },
    });
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
    const next = resyncHotpCounter(ctx, factor, code1, code2, now);
    if (next === null) {
      ctx.audit.append({ actor, action: 'factor.resync', user: user.username, outcome: 'failure', reason: 'invalid_code', details: { factorId } });
      return null;
    }
    ctx.audit.append({ actor, action: 'factor.resync', user: user.username, outcome: 'success', details: { factorId, skipped: next - factor.counter - 2 } });
    return toFactorView(ctx, requireFactor(ctx, user.id, factorId));
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
