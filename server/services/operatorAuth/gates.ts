import { TesseraError } from '../../../shared/errors';
import { CLEAR_THROTTLE, evaluateThrottle, recordFailure, type ThrottleState } from '../../core/policy/throttle';
import { verifyPassword, verifyPasswordAgainstNothing } from '../../core/passwords';
import type { LoginPhantomRow, OperatorRow } from '../../store/index';
import { operatorActor, type ServiceContext } from '../context';
import { passwordLane } from '../hashLanes';
import type { RequestMeta } from './state';

/**
 * What every sign-in door shares (password, second step, re-authentication):
 * the address allowance, the name's throttle, the password check in its lane
 * and failures counted on the row read inside the writing transaction.
 */

/** Operator logins lock sooner than application verifies: a console is a bigger prize. */
const OPERATOR_THROTTLE = { freeAttempts: 3, lockAfter: 10, lockSeconds: 15 * 60 };
/**
 * Unknown usernames whose throttle state is kept. Rows whose lock ran out go
 * first (the throttle reads them as no row); past that the oldest go. Pushing
 * a name out costs an attacker this many full password hashes, each through
 * the per-address limit and the password lane: days of work, all audited.
 * Operators' own counts live in their rows and are never evicted.
 */
export const LOGIN_PHANTOMS_KEPT = 100_000;
/** How often (new unknown names) the bound above is checked: counting rows is not free. */
const PHANTOM_BOUND_EVERY = 64;

export const GENERIC_LOGIN_ERROR = 'Wrong username or password';

/** Associated data for an operator's sealed TOTP seed. */
export const operatorAad = (operatorId: string) => `tessera:operator-totp:${operatorId}`;

export function throttleOf(op: OperatorRow | LoginPhantomRow): ThrottleState {
  return { failures: op.failures, lastFailureAt: op.last_failure_at, lockedUntil: op.locked_until };
}

const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);

export function tooManyAtOnce(): TesseraError {
  return new TesseraError('throttled', 'Too many sign-in attempts for this username at once. Try again in 1 second.', { retryAfterSeconds: 1 });
}

/**
 * Counts a failed sign-in step against the operator (or, for a name no
 * operator has, its phantom row) and audits it, in one transaction; the
 * count comes from the row as read inside it, never from an earlier read.
 */
export function recordLoginFailure(
  ctx: ServiceContext,
  key: string,
  operatorId: string | null,
  meta: RequestMeta,
  why: string,
  extra: Record<string, unknown> = {},
): void {
  ctx.store.tx(() => {
    const op = operatorId ? countOperatorFailure(ctx, operatorId) : undefined;
    if (!op) countPhantomFailure(ctx, key);
    ctx.audit.append({
      actor: op ? operatorActor(op, meta.ip) : { kind: 'system', id: null, name: 'console-login', ip: meta.ip },
      action: 'operator.login',
      outcome: 'failure',
      reason: why,
      details: op ? { operatorId: op.id, ...extra } : null,
    });
  });
}

/** Inside a transaction: one more failure on the operator's current row. Returns the row as read, or undefined when it is gone. */
export function countOperatorFailure(ctx: ServiceContext, operatorId: string): OperatorRow | undefined {
  const op = ctx.store.operators.findById(operatorId);
  if (!op) return undefined;
  const next = recordFailure(throttleOf(op), ctx.clock(), OPERATOR_THROTTLE);
  ctx.store.operators.update(op.id, { failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
  return op;
}

/** Inside a transaction: one more failure for a username no operator has, with the same policy; keeps the table bounded. */
function countPhantomFailure(ctx: ServiceContext, key: string): void {
  const now = ctx.clock();
  const row = ctx.store.loginPhantoms.find(key);
  const next = recordFailure(row ? throttleOf(row) : { ...CLEAR_THROTTLE }, now, OPERATOR_THROTTLE);
  ctx.store.loginPhantoms.put({ username_key: key, failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
  if (row || ++ctx.operatorSignIn.newPhantoms % PHANTOM_BOUND_EVERY !== 0) return;
  const excess = ctx.store.loginPhantoms.count() - LOGIN_PHANTOMS_KEPT;
  if (excess <= 0) return;
  const pruned = ctx.store.loginPhantoms.pruneExpired(now);
  if (excess > pruned) ctx.store.loginPhantoms.evictOldest(excess - pruned);
}

/** The throttle state of a username no operator has (clear when it has no row). */
export function phantomState(ctx: ServiceContext, key: string): ThrottleState {
  const row = ctx.store.loginPhantoms.find(key);
  return row ? throttleOf(row) : { ...CLEAR_THROTTLE };
}

/** Throws 429 while the throttle holds `state` back (a lock answers the same, so a lock says nothing more). */
export function requireUnthrottled(ctx: ServiceContext, state: ThrottleState, what: 'sign-ins' | 'attempts'): void {
  const gate = evaluateThrottle(state, ctx.clock(), OPERATOR_THROTTLE);
  if (gate.decision !== 'allow') {
    throw new TesseraError('throttled', `Too many failed ${what}. Try again in ${gate.retryAfterSeconds} seconds.`, {
      retryAfterSeconds: gate.retryAfterSeconds,
    });
  }
}

/**
 * Refuses at once (429) when the password lane could not take one more
 * check. checkPassword would refuse such an attempt anyway, but only after
 * the name's lease (two writes) and its reads: a flood from many addresses
 * paid those for every attempt, and at its start they held the event loop
 * for a few hundred milliseconds (npm run bench -- stall). Names do not
 * matter here, so this tells nothing about which ones exist.
 */
export function requirePasswordLaneRoom(): void {
  passwordLane.requireRoom(1);
}

/** The slow check, in the password lane (429 when it is full); a name without a hash costs the same work. */
export function checkPassword(password: string, hash: string | null): Promise<boolean> {
  return passwordLane.run((derive) => (hash ? verifyPassword(password, hash, derive) : verifyPasswordAgainstNothing(password, derive)));
}

/**
 * Spends one of the client address's password attempts; throws 429 when
 * it has none left (the first refusal of a run is audited, not every one).
 */
export function takeAddressAttempt(ctx: ServiceContext, meta: RequestMeta): void {
  const d = ctx.operatorSignIn.addresses.take(meta.ip, ctx.clock());
  if (d.allowed) return;
  if (d.firstRefusal) {
    ctx.store.tx(() =>
      ctx.audit.append({
        actor: { kind: 'system', id: null, name: 'console-login', ip: meta.ip },
        action: 'operator.login',
        outcome: 'denied',
        reason: 'address_limited',
        details: { retryAfterSeconds: d.retryAfterSeconds },
      }),
    );
  }
  throw new TesseraError('throttled', `Too many sign-in attempts from your address. Try again in ${seconds(d.retryAfterSeconds)}.`, {
    retryAfterSeconds: d.retryAfterSeconds,
  });
}
