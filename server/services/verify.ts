import { TesseraError } from '../../shared/errors';
import { classifyCodeInput } from '../core/otp/codeInput';
import { verifyHotp } from '../core/otp/hotp';
import { verifyTotp } from '../core/otp/totp';
import { evaluateThrottle } from '../core/policy/throttle';
import { hashRecoveryCodeSecret, parseRecoveryCode, verifyRecoveryCodeSecret } from '../core/recovery/recoveryCodes';
import type { VerifyInput, VerifyResult } from '../../shared/schemas/verify';
import type { FactorRow, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { otpParamsOf } from './otpFactor';
import { GroupCommit } from './groupCommit';
import { LaneBusyError, recoveryLane } from './hashLanes';
import { SingleFlight } from './singleFlight';
import { requireUser } from './users';
import { throttleStateOf } from './views';
import { clearUserFailures, recordUserFailure } from './userThrottle';

type Blocked = Extract<VerifyResult, { ok: false }>;

/**
 * Recovery-code guesses for one user that may wait while one is hashed. They
 * run one after another, each gated on the count the one before wrote; past
 * this many waiting, a guess is refused at once (throttled, 1 s).
 */
export const RECOVERY_WAITING_PER_USER = 4;

/**
 * Answers "is this code right for this user?". Invariants held here:
 * a throttled or locked user is answered before any code check; a TOTP step
 * is accepted once per factor (the store's conditional UPDATE decides, inside
 * the transaction); every attempt writes exactly one audit entry; a recovery
 * code costs at most one slow hash, off the event loop.
 */
export class Verifier {
  /** One recovery-code check in flight per user: one slow hash per user at a time, the next waits its turn. */
  private readonly recoveryInFlight = new SingleFlight(RECOVERY_WAITING_PER_USER);
  private dummyHash: Promise<string> | null = null;
  /** OTP verifies share commits (see GroupCommit): each is still its own all-or-nothing unit. */
  private readonly commits: GroupCommit;

  constructor(private readonly ctx: ServiceContext) {
    this.commits = new GroupCommit(ctx.store);
  }

  async verify(input: VerifyInput, actor: Actor): Promise<VerifyResult> {
    const user = requireUser(this.ctx, input.user);
    const code = classifyCodeInput(input.code);
    if (code.kind === 'recovery') return this.verifyRecovery(user, code.normalized, actor);
    return this.commits.run(() => this.verifyOtp(user.id, code.kind === 'otp' ? code.digits : null, actor));
  }

  /** Re-reads the user in the transaction and applies the throttle gate; audits and answers when blocked. */
  private gate(userId: string, actor: Actor): { user: UserRow; blocked: Blocked | null } {
    const { ctx } = this;
    const user = ctx.store.users.findById(userId);
    if (!user) throw new TesseraError('not_found', 'No user with that username');
    const decision = evaluateThrottle(throttleStateOf(user), ctx.clock(), ctx.settings.throttle());
    if (decision.decision === 'allow') return { user, blocked: null };
    ctx.audit.append({
      actor, action: 'verify', user: user.username, outcome: 'denied', reason: decision.decision,
      details: { retryAfterSeconds: decision.retryAfterSeconds },
    });
    return { user, blocked: { ok: false, reason: decision.decision, retryAfterSeconds: decision.retryAfterSeconds } };
  }

  private verifyOtp(userId: string, digits: string | null, actor: Actor): VerifyResult {
    const { ctx } = this;
    const { user, blocked } = this.gate(userId, actor);
    if (blocked) return blocked;
    const now = ctx.clock();
    const factors = ctx.store.factors
      .listActive(user.id)
      .filter((f): f is FactorRow & { type: 'totp' | 'hotp' } => (f.type === 'totp' || f.type === 'hotp') && ctx.settings.isEnabled(f.type));
    if (factors.length === 0 && !this.hasUsableRecoveryCodes(user.id)) {
      ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'failure', reason: 'no_factor' });
      return { ok: false, reason: 'no_factor' };
    }
    let replayOf: string | null = null;
    if (digits !== null) {
      for (const factor of factors) {
        const match = this.matchOtp(factor, digits, now);
        if (match === 'replay') replayOf = factor.id;
        if (match !== 'accepted') continue;
        clearUserFailures(ctx, user);
        ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'success', details: { factorId: factor.id, type: factor.type } });
        return { ok: true, factor: { id: factor.id, type: factor.type } };
      }
    }
    return this.fail(user, actor, { ...(replayOf ? { replayOf } : {}), ...(digits === null ? { malformed: true } : {}) });
  }

  /** Checks one factor and, on a match, moves its step/counter forward atomically. */
  private matchOtp(factor: FactorRow & { type: 'totp' | 'hotp' }, digits: string, now: number): 'accepted' | 'replay' | 'no' {
    const { ctx } = this;
    const params = otpParamsOf(ctx.keyring, factor);
    if (factor.type === 'totp') {
      const r = verifyTotp(params, digits, { epochSeconds: Math.floor(now / 1000), window: ctx.settings.get().totpWindow, lastStep: factor.last_step });
      if (!r.ok) return r.reason === 'replay' ? 'replay' : 'no';
      return ctx.store.factors.advanceStep(factor.id, r.step, now) ? 'accepted' : 'replay';
    }
    const r = verifyHotp(params, digits, { counter: factor.counter });
    if (!r.ok) return 'no';
    return ctx.store.factors.advanceCounter(factor.id, r.nextCounter, now) ? 'accepted' : 'replay';
  }

  private hasUsableRecoveryCodes(userId: string): boolean {
    return this.ctx.settings.isEnabled('recovery') && this.ctx.store.recoveryCodes.counts(userId).unused > 0;
  }

  /** Counts a failure (possibly locking the user) and audits it. */
  private fail(user: UserRow, actor: Actor, details: Record<string, unknown>): VerifyResult {
    const { ctx } = this;
    const next = recordUserFailure(ctx, user, ctx.clock());
    ctx.audit.append({
      // A failure that locks the user is recorded as such, so lockouts can be counted and alerted on.
      actor, action: 'verify', user: user.username, outcome: 'failure', reason: next.lockedNow ? 'locked_out' : 'invalid_code',
      details: { failures: next.failures, ...(next.lockedNow ? { lockedUntil: new Date(next.lockedUntil!).toISOString() } : {}), ...details },
    });
    return { ok: false, reason: 'invalid_code' };
  }

  private async verifyRecovery(userRow: UserRow, normalized: string, actor: Actor): Promise<VerifyResult> {
    const { ctx } = this;
    const release = await this.recoveryInFlight.acquire(userRow.id);
    if (!release) return this.refuseUnchecked(userRow.id, actor, 1, { concurrent: true });
    try {
      // Gated after waiting our turn, on the count the guess before ours wrote.
      const early = ctx.store.tx(() => this.gate(userRow.id, actor).blocked);
      if (early) return early;
      const parsed = parseRecoveryCode(normalized);
      const enabled = ctx.settings.isEnabled('recovery');
      const row = parsed && enabled ? ctx.store.recoveryCodes.findByLookup(userRow.id, parsed.lookupId) : undefined;
      let good = false;
      try {
        // In the recovery lane, ahead of issuing new sets: a login flood in the password lane cannot delay it.
        good = await recoveryLane.run(async () => {
          if (parsed && row && row.used_at === null) return verifyRecoveryCodeSecret(parsed.secret, row.hash);
          // Same cost whether or not the lookup id exists, so timing says nothing about it.
          await verifyRecoveryCodeSecret(parsed?.secret ?? 'x', await this.dummy());
          return false;
        }, 'high');
      } catch (err) {
        if (err instanceof LaneBusyError) return this.refuseUnchecked(userRow.id, actor, err.retryAfterSeconds ?? 1, { busy: true });
        throw err;
      }
      return ctx.store.tx(() => {
        const g = this.gate(userRow.id, actor);
        if (g.blocked) return g.blocked;
        if (good && row && ctx.store.recoveryCodes.markUsed(row.id, ctx.clock())) {
          clearUserFailures(ctx, g.user);
          const left = ctx.store.recoveryCodes.counts(g.user.id).unused;
          ctx.audit.append({ actor, action: 'verify', user: g.user.username, outcome: 'success', details: { type: 'recovery', recoveryCodeId: row.id, recoveryCodesLeft: left } });
          return { ok: true, factor: { id: `recovery:${row.lookup_id}`, type: 'recovery' }, recoveryCodesLeft: left };
        }
        return this.fail(g.user, actor, { type: 'recovery', ...(enabled ? {} : { methodDisabled: 'recovery' }) });
      });
    } finally {
      release();
    }
  }

  /** A guess refused before any hash (too many at once for this user, or the recovery lane is full): audited, not counted. */
  private refuseUnchecked(userId: string, actor: Actor, retryAfterSeconds: number, details: Record<string, unknown>): VerifyResult {
    const { ctx } = this;
    return ctx.store.tx(() => {
      const user = ctx.store.users.findById(userId);
      if (!user) throw new TesseraError('not_found', 'No user with that username');
      ctx.audit.append({ actor, action: 'verify', user: user.username, outcome: 'denied', reason: 'throttled', details: { ...details, retryAfterSeconds } });
      return { ok: false, reason: 'throttled', retryAfterSeconds } satisfies Blocked;
    });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashRecoveryCodeSecret('not-a-real-recovery-code');
    return this.dummyHash;
  }
}
