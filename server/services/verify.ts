import { TesseraError } from '../../shared/errors';
import { classifyCodeInput } from '../core/otp/codeInput';
import { evaluateThrottle } from '../core/policy/throttle';
import type { VerifyInput, VerifyResult } from '../../shared/schemas/verify';
import type { FactorRow, Store, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { GroupCommit } from './groupCommit';
import { LaneBusyError } from './hashLanes';
import type { FactorCodeCheck } from './methods/method';
import { ALL_METHOD_MODULES, factorCodeCheck, isOn, setCodeMethod } from './methods/registry';
import { SingleFlight } from './singleFlight';
import { requireUser } from './users';
import { throttleStateOf } from './wireViews';
import { clearUserFailures, recordUserFailure } from './userThrottle';
import type { CodeAttempt } from './deliveredCodes';
import { useTemporaryCode } from './temporaryCodes';
import { randomInt } from 'node:crypto';
import { rememberDevice, requireRememberAllowed, useRememberedDevice } from './rememberedDevices';

/**
 * Answers "is this code right for this user?". Invariants held here:
 * a throttled or locked user is answered before any code check; a TOTP step
 * is accepted once per factor (the store's conditional UPDATE decides, inside
 * the transaction); every attempt writes exactly one audit entry; a recovery
 * code costs at most one slow hash, off the event loop. What a code means
 * for a method (how it matches, how it is used up) is the method's module's
 * (services/methods/); this file loops over them.
 */

type Blocked = Extract<VerifyResult, { ok: false }>;

/**
 * Recovery-code guesses for one user that may wait while one is hashed. They
 * run one after another, each gated on the count the one before wrote; past
 * this many waiting, a guess is refused at once (throttled, 1 s).
 */
export const RECOVERY_WAITING_PER_USER = 4;

/** What verify keeps between requests, held in the service context (`ctx.verifyQueues`). */
export class VerifyQueues {
  /** One recovery-code check in flight per user: one slow hash per user at a time, the next waits its turn. */
  readonly setCodesInFlight = new SingleFlight(RECOVERY_WAITING_PER_USER);
  /** OTP verifies share commits (see GroupCommit): each is still its own all-or-nothing unit. */
  readonly commits: GroupCommit;

  constructor(store: Store) {
    this.commits = new GroupCommit(store);
  }
}

export async function verify(ctx: ServiceContext, input: VerifyInput, actor: Actor): Promise<VerifyResult> {
  requireRememberAllowed(ctx, input, actor);
  const user = requireUser(ctx, input.user);
  const result =
    input.deviceToken !== undefined
      ? ctx.verifyQueues.commits.run(() => verifyRememberedDevice(ctx, user.id, input.deviceToken!, actor))
      : checkCode(ctx, user, input.code ?? '', input, actor);
  const answer = await result;
  return answer.ok ? afterSuccess(ctx, user, answer, input, actor) : answer;
}

/** What a right answer adds: a remembered device when asked for, and when to check again (re-checks). */
function afterSuccess(ctx: ServiceContext, user: UserRow, answer: Verified, input: VerifyInput, actor: Actor): Verified {
  const settings = ctx.settings.get();
  // Only a verify that asked to remember the device writes again: the last method used was written with the verify.
  const remember = input.remember;
  const extras = remember ? ctx.store.tx(() => rememberDevice(ctx, user, remember, input.userAgent, actor, ctx.clock())) : {};
  const recheck = settings.recheck ? { recheckAfterSeconds: randomInt(settings.recheckMinSeconds, settings.recheckMaxSeconds + 1) } : {};
  return { ...answer, ...extras, ...recheck };
}

type Verified = Extract<VerifyResult, { ok: true }>;

/** A remembered device's token instead of a code: gated like a code (a locked user stays locked), never counted as a failure. */
function verifyRememberedDevice(ctx: ServiceContext, userId: string, token: string, actor: Actor): VerifyResult {
  const { user, blocked } = gate(ctx, userId, actor);
  if (blocked) return blocked;
  const device = useRememberedDevice(ctx, user, token, actor, ctx.clock());
  if (!device) {
    // 256 random bits are not guessed: a refused token is a stale or copied one, not worth a lockout.
    ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'failure', reason: 'device_not_remembered', details: { type: 'remembered' } });
    return { ok: false, reason: 'device_not_remembered' };
  }
  ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'success', details: { type: 'remembered', deviceId: device.id } });
  return { ok: true, factor: { id: device.id, type: 'remembered' } };
}

function checkCode(ctx: ServiceContext, user: UserRow, typed: string, input: VerifyInput, actor: Actor): Promise<VerifyResult> {
  const code = classifyCodeInput(typed);
  if (code.kind === 'recovery') return verifySetCode(ctx, user, code.normalized, actor);
  if (code.kind === 'temporary') return ctx.verifyQueues.commits.run(() => verifyTemporaryCode(ctx, user.id, code.digits, actor));
  const attempt: CodeAttempt = { transactionId: input.transactionId, apiKeyId: actor.kind === 'apikey' ? actor.id : null };
  return ctx.verifyQueues.commits.run(() => verifyFactorCode(ctx, user.id, code.kind === 'otp' ? code.digits : null, attempt, actor));
}

/** Re-reads the user in the transaction and applies the throttle gate; audits and answers when blocked. */
function gate(ctx: ServiceContext, userId: string, actor: Actor): { user: UserRow; blocked: Blocked | null } {
  const user = ctx.store.users.findById(userId);
  if (!user) throw new TesseraError('not_found', 'No user with that username');
  if (user.disabled_at !== null) {
    // Left the directory or disabled there: refused before any code check, and not counted as a failure.
    ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'denied', reason: 'user_disabled', details: { why: user.disabled_reason } });
    return { user, blocked: { ok: false, reason: 'user_disabled' } };
  }
  const decision = evaluateThrottle(throttleStateOf(user), ctx.clock(), ctx.settings.throttle());
  if (decision.decision === 'allow') return { user, blocked: null };
  ctx.audit.append({
    actor,
    action: 'verify',
    user: user.username,
    outcome: 'denied',
    reason: decision.decision,
    details: { retryAfterSeconds: decision.retryAfterSeconds },
  });
  return { user, blocked: { ok: false, reason: decision.decision, retryAfterSeconds: decision.retryAfterSeconds } };
}

/** A typed OTP against each of the user's active factors whose method is on and takes codes, in one transaction. */
function verifyFactorCode(ctx: ServiceContext, userId: string, digits: string | null, attempt: CodeAttempt, actor: Actor): VerifyResult {
  const { user, blocked } = gate(ctx, userId, actor);
  if (blocked) return blocked;
  const now = ctx.clock();
  const factors = ctx.store.factors.listActive(user.id).flatMap((factor): { factor: FactorRow; check: FactorCodeCheck }[] => {
    const check = factorCodeCheck(ctx, factor.type);
    return check ? [{ factor, check }] : [];
  });
  if (factors.length === 0 && !holdsSetCodes(ctx, user.id)) {
    ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'failure', reason: 'no_factor' });
    return { ok: false, reason: 'no_factor' };
  }
  let replayOf: string | null = null;
  if (digits !== null) {
    for (const { factor, check } of factors) {
      const match = check.match(ctx, factor, digits, now, attempt);
      if (match === 'replay') replayOf = factor.id;
      if (match !== 'accepted') continue;
      succeeded(ctx, user, factor, now);
      ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'success', details: { factorId: factor.id, type: factor.type } });
      return { ok: true, factor: { id: factor.id, type: factor.type } };
    }
  }
  return fail(ctx, user, actor, {
    ...(replayOf ? { replayOf } : {}),
    ...(digits === null ? { malformed: true } : {}),
    ...(attempt.transactionId ? { transactionId: attempt.transactionId } : {}),
  });
}

/** A helpdesk's temporary code (12 digits): gated like any code, one use taken in the transaction. Works with no factor at all. */
function verifyTemporaryCode(ctx: ServiceContext, userId: string, digits: string, actor: Actor): VerifyResult {
  const { user, blocked } = gate(ctx, userId, actor);
  if (blocked) return blocked;
  const used = useTemporaryCode(ctx, user.id, digits, ctx.clock());
  if (!used) return fail(ctx, user, actor, { type: 'temporary' });
  succeeded(ctx, user, { id: used.id, type: 'temporary' }, ctx.clock());
  ctx.audit.append({
    actor,
    action: 'verify',
    user: user.username,
    outcome: 'success',
    details: { type: 'temporary', temporaryCodeId: used.id, usesLeft: used.usesLeft },
  });
  return { ok: true, factor: { id: used.id, type: 'temporary' }, temporaryUsesLeft: used.usesLeft };
}

/** Whether the user holds unused codes of a set (recovery codes) whose method is on. */
function holdsSetCodes(ctx: ServiceContext, userId: string): boolean {
  return ALL_METHOD_MODULES.some((m) => m.verify?.kind === 'set' && isOn(ctx, m) && m.verify.held(ctx, userId));
}

/** A right code: the failure count starts again and the factor is the user's last used (GET /users/{u}). Inside the verify's transaction. */
function succeeded(ctx: ServiceContext, user: UserRow, factor: { id: string; type: string }, now: number): void {
  clearUserFailures(ctx, user);
  ctx.store.users.setLastUsed(user.id, factor, now);
}

/** Counts a failure (possibly locking the user) and audits it. */
function fail(ctx: ServiceContext, user: UserRow, actor: Actor, details: Record<string, unknown>): VerifyResult {
  const next = recordUserFailure(ctx, user, ctx.clock());
  ctx.audit.append({
    // A failure that locks the user is recorded as such, so lockouts can be counted and alerted on.
    actor,
    action: 'verify',
    user: user.username,
    outcome: 'failure',
    reason: next.lockedNow ? 'locked_out' : 'invalid_code',
    details: { failures: next.failures, ...(next.lockedNow ? { lockedUntil: new Date(next.lockedUntil!).toISOString() } : {}), ...details },
  });
  return { ok: false, reason: 'invalid_code' };
}

/** A code out of a set (a recovery code): gated, slow-compared off the transaction, then used up in a second one. */
async function verifySetCode(ctx: ServiceContext, userRow: UserRow, normalized: string, actor: Actor): Promise<VerifyResult> {
  const m = setCodeMethod();
  const { method, verify: codes } = m;
  const release = await ctx.verifyQueues.setCodesInFlight.acquire(userRow.id);
  if (!release) return refuseUnchecked(ctx, userRow.id, actor, 1, { concurrent: true });
  try {
    // Gated after waiting our turn, on the count the guess before ours wrote.
    const early = ctx.store.tx(() => gate(ctx, userRow.id, actor).blocked);
    if (early) return early;
    const enabled = isOn(ctx, m);
    const candidate = codes.find(ctx, userRow.id, normalized, enabled);
    let good = false;
    try {
      good = await codes.check(candidate);
    } catch (err) {
      if (err instanceof LaneBusyError) return refuseUnchecked(ctx, userRow.id, actor, err.retryAfterSeconds ?? 1, { busy: true });
      throw err;
    }
    return ctx.store.tx(() => {
      const g = gate(ctx, userRow.id, actor);
      if (g.blocked) return g.blocked;
      const used = good ? codes.consume(ctx, candidate, g.user.id, ctx.clock()) : null;
      if (used) {
        succeeded(ctx, g.user, used.factor, ctx.clock());
        ctx.audit.append({ actor, action: 'verify', user: g.user.username, outcome: 'success', details: used.details });
        return { ok: true, factor: used.factor, recoveryCodesLeft: used.left };
      }
      return fail(ctx, g.user, actor, { type: method, ...(enabled ? {} : { methodDisabled: method }) });
    });
  } finally {
    release();
  }
}

/** A guess refused before any hash (too many at once for this user, or the recovery lane is full): audited, not counted. */
function refuseUnchecked(ctx: ServiceContext, userId: string, actor: Actor, retryAfterSeconds: number, details: Record<string, unknown>): VerifyResult {
  return ctx.store.tx(() => {
    const user = ctx.store.users.findById(userId);
    if (!user) throw new TesseraError('not_found', 'No user with that username');
    ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'denied', reason: 'throttled', details: { ...details, retryAfterSeconds } });
    return { ok: false, reason: 'throttled', retryAfterSeconds } satisfies Blocked;
  });
}
