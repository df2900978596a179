import { TesseraError } from '../../shared/errors';
import { classifyCodeInput } from '../core/otp/codeInput';
import { evaluateThrottle } from '../core/policy/throttle';
import type { VerifyInput, VerifyResult } from '../../shared/schemas/verify';
import type { FactorRow, Store, UserRow } from '../store/index';
import type { Actor, Clock, ServiceContext } from './context';
import { GroupCommit } from './groupCommit';
import { LaneBusyError } from './hashLanes';
import type { CodeMatch, FactorCodeCheck } from './methods/method';
import { activatesAtSignIn, ALL_METHOD_MODULES, isOn, moduleForFactor, setCodeMethod } from './methods/registry';
import { SharedSingleFlight } from './sharedSingleFlight';
import { requireUser } from './users';
import { throttleStateOf } from './wireViews';
import { clearUserFailures, recordUserFailure } from './userThrottle';
import type { CodeAttempt } from './deliveredCodes';
import { revokeTemporaryOnNewFactor, useTemporaryCode } from './temporaryCodes';
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
  /**
   * One recovery-code check in flight per user: one slow hash per user at a
   * time on every node (a lease in the store), the next waits its turn.
   */
  readonly setCodesInFlight: SharedSingleFlight;
  /** OTP verifies share commits (see GroupCommit): each is still its own all-or-nothing unit. */
  readonly commits: GroupCommit;

  constructor(store: Store, clock: Clock) {
    this.setCodesInFlight = new SharedSingleFlight(store, 'recovery-code', RECOVERY_WAITING_PER_USER, clock);
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

/** A user's factors a typed OTP is tried against, sorted by what verify may do with them. */
interface CodeFactors {
  /** Active, method on: tried first. */
  active: { factor: FactorRow; check: FactorCodeCheck }[];
  /** Pending, not expired, method on and of a kind its first code activates (TOTP, HOTP): tried next. */
  pending: { factor: FactorRow; check: FactorCodeCheck }[];
  /** Active or activatable pending, but the method is off: never accepted; a right code for one is not the user's fault. */
  off: { factor: FactorRow; check: FactorCodeCheck }[];
}

function codeFactors(ctx: ServiceContext, userId: string, now: number): CodeFactors {
  const out: CodeFactors = { active: [], pending: [], off: [] };
  for (const factor of ctx.store.factors.listByUser(userId)) {
    const m = moduleForFactor(factor.type);
    if (m?.verify?.kind !== 'factor') continue;
    const check = m.verify;
    if (factor.status === 'active') (isOn(ctx, m) ? out.active : out.off).push({ factor, check });
    else if (activatesAtSignIn(ctx, factor, now)) out.pending.push({ factor, check });
    // A pending one whose method is off is never activated; a right code for it is still not the user's fault.
    else if (check.firstCodeActivates && !isOn(ctx, m) && (factor.expires_at === null || factor.expires_at > now)) out.off.push({ factor, check });
  }
  // The last used first, as listActive orders them: a user's usual device is tried before the spares.
  out.active.sort((a, b) => (b.factor.last_used_at ?? -1) - (a.factor.last_used_at ?? -1) || a.factor.created_at - b.factor.created_at);
  return out;
}

/**
 * A typed OTP against each of the user's active factors whose method is on, then against their pending TOTP/HOTP
 * factors (a printed sheet is finished by signing in with its first code: the factor is activated here, audited as
 * its confirmation), in one transaction. A code for a method turned off answers method_disabled and is not counted.
 */
function verifyFactorCode(ctx: ServiceContext, userId: string, digits: string | null, attempt: CodeAttempt, actor: Actor): VerifyResult {
  const { user, blocked } = gate(ctx, userId, actor);
  if (blocked) return blocked;
  const now = ctx.clock();
  const factors = codeFactors(ctx, user.id, now);
  if (factors.active.length === 0 && factors.pending.length === 0 && !holdsSetCodes(ctx, user.id, true)) {
    const offMethods = [...new Set([...factors.off.map((f) => f.factor.type), ...(holdsSetCodes(ctx, user.id, false) ? [setCodeMethod().method] : [])])];
    // Nothing of theirs is on: no code could pass, and none is the user's fault (issue 18 #2).
    if (offMethods.length > 0) return methodDisabled(ctx, user, actor, offMethods);
    ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'failure', reason: 'no_factor' });
    return { ok: false, reason: 'no_factor' };
  }
  let replayOf: string | null = null;
  if (digits !== null) {
    for (const { factor, check } of factors.active) {
      const match = check.match(ctx, factor, digits, now, attempt);
      if (match === 'replay') replayOf = factor.id;
      if (match !== 'accepted') continue;
      succeeded(ctx, user, factor, now);
      ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'success', details: { factorId: factor.id, type: factor.type } });
      return { ok: true, factor: { id: factor.id, type: factor.type } };
    }
    for (const { factor, check } of factors.pending) {
      // Checked exactly as an active factor's code (the same window; its state is the pending row's, nothing used yet).
      const peek = check.peek?.(ctx, factor, digits, now);
      if (peek?.kind !== 'match' || !ctx.store.factors.activate(factor.id, now, peek.state)) continue;
      activatedByFirstCode(ctx, user, factor, actor);
      succeeded(ctx, user, factor, now);
      ctx.audit.append({
        actor,
        action: 'verify',
        user: user.username,
        outcome: 'success',
        details: { factorId: factor.id, type: factor.type, confirmed: true },
      });
      return { ok: true, factor: { id: factor.id, type: factor.type } };
    }
    if (replayOf === null) {
      // Right for a factor whose method is off: say so, uncounted. A wrong guess still counts below, so this is no free oracle.
      const off = factors.off.find(({ factor, check }) => check.peek?.(ctx, factor, digits, now).kind === 'match');
      if (off) return methodDisabled(ctx, user, actor, [off.factor.type], off.factor.id);
    }
  }
  return fail(ctx, user, actor, replayOf ? 'code_already_used' : 'invalid_code', {
    ...(replayOf ? { replayOf } : {}),
    ...(digits === null ? { malformed: true } : {}),
    ...(attempt.transactionId ? { transactionId: attempt.transactionId } : {}),
  });
}

/** A pending factor its first sign-in code activated: its own entry (the change), beside the verify's (the attempt). */
function activatedByFirstCode(ctx: ServiceContext, user: UserRow, factor: FactorRow, actor: Actor): void {
  ctx.audit.append({
    actor,
    action: 'factor.confirm',
    user: user.username,
    outcome: 'success',
    reason: 'first_sign_in_code',
    details: { factorId: factor.id, type: factor.type, ...(factor.label ? { label: factor.label } : {}) },
  });
  revokeTemporaryOnNewFactor(ctx, user, factor.id, actor);
}

/** A code for a method turned off: refused, audited as such, never counted (the user typed what they were given). */
function methodDisabled(ctx: ServiceContext, user: UserRow, actor: Actor, methods: readonly string[], factorId?: string): VerifyResult {
  ctx.audit.append({
    actor,
    action: 'verify',
    user: user.username,
    outcome: 'denied',
    reason: 'method_disabled',
    details: { methods, ...(factorId ? { factorId } : {}) },
  });
  return { ok: false, reason: 'method_disabled' };
}

/** A helpdesk's temporary code (12 digits): gated like any code, one use taken in the transaction. Works with no factor at all. */
function verifyTemporaryCode(ctx: ServiceContext, userId: string, digits: string, actor: Actor): VerifyResult {
  const { user, blocked } = gate(ctx, userId, actor);
  if (blocked) return blocked;
  const used = useTemporaryCode(ctx, user.id, digits, ctx.clock());
  if (!used) return fail(ctx, user, actor, 'invalid_code', { type: 'temporary' });
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

/** Whether the user holds unused codes of a set (recovery codes) whose method is on (`on`), or off. */
function holdsSetCodes(ctx: ServiceContext, userId: string, on: boolean): boolean {
  return ALL_METHOD_MODULES.some((m) => m.verify?.kind === 'set' && isOn(ctx, m) === on && m.verify.held(ctx, userId));
}

/** A right code: the failure count starts again and the factor is the user's last used (GET /users/{u}). Inside the verify's transaction. */
function succeeded(ctx: ServiceContext, user: UserRow, factor: { id: string; type: string }, now: number): void {
  clearUserFailures(ctx, user);
  ctx.store.users.setLastUsed(user.id, factor, now);
}

/**
 * Counts a failure (possibly locking the user) and audits it. A replayed code is counted too: it is what an
 * attacker who saw the code sends, and a user who typed it twice loses one free attempt at most.
 */
function fail(ctx: ServiceContext, user: UserRow, actor: Actor, reason: 'invalid_code' | 'code_already_used', details: Record<string, unknown>): VerifyResult {
  const next = recordUserFailure(ctx, user, ctx.clock());
  ctx.audit.append({
    // A failure that locks the user is recorded as such, so lockouts can be counted and alerted on.
    actor,
    action: 'verify',
    user: user.username,
    outcome: 'failure',
    reason: next.lockedNow ? 'locked_out' : reason,
    details: {
      failures: next.failures,
      ...(next.lockedNow ? { lockedUntil: new Date(next.lockedUntil!).toISOString(), ...(reason === 'invalid_code' ? {} : { why: reason }) } : {}),
      ...details,
    },
  });
  return { ok: false, reason };
}

/** A code out of a set (a recovery code): gated, slow-compared off the transaction, then used up in a second one. */
async function verifySetCode(ctx: ServiceContext, userRow: UserRow, normalized: string, actor: Actor): Promise<VerifyResult> {
  const m = setCodeMethod();
  const { method, verify: codes } = m;
  if (!isOn(ctx, m)) {
    // Recovery codes turned off: whatever the code, it is not the user's fault; gated first (a locked user stays locked), no hash.
    return ctx.store.tx(() => {
      const g = gate(ctx, userRow.id, actor);
      return g.blocked ?? methodDisabled(ctx, g.user, actor, [method]);
    });
  }
  const release = await ctx.verifyQueues.setCodesInFlight.acquire(userRow.id);
  if (!release) return refuseUnchecked(ctx, userRow.id, actor, 1, { concurrent: true });
  try {
    // Gated after waiting our turn, on the count the guess before ours wrote.
    const early = ctx.store.tx(() => gate(ctx, userRow.id, actor).blocked);
    if (early) return early;
    const candidate = codes.find(ctx, userRow.id, normalized, true);
    let match: CodeMatch = 'no';
    try {
      match = await codes.check(candidate);
    } catch (err) {
      if (err instanceof LaneBusyError) return refuseUnchecked(ctx, userRow.id, actor, err.retryAfterSeconds ?? 1, { busy: true });
      throw err;
    }
    return ctx.store.tx(() => {
      const g = gate(ctx, userRow.id, actor);
      if (g.blocked) return g.blocked;
      const used = match === 'accepted' ? codes.consume(ctx, candidate, g.user.id, ctx.clock()) : null;
      if (used) {
        succeeded(ctx, g.user, used.factor, ctx.clock());
        ctx.audit.append({ actor, action: 'verify', user: g.user.username, outcome: 'success', details: used.details });
        return { ok: true, factor: used.factor, recoveryCodesLeft: used.left };
      }
      // Right but used (before, or by a concurrent verify a moment ago): said as such, counted.
      return fail(ctx, g.user, actor, match === 'no' ? 'invalid_code' : 'code_already_used', { type: method });
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
