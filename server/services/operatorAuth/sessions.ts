import type { OperatorView } from '../../../shared/schemas/operators';
import { recordSuccess } from '../../core/policy/throttle';
import { generateToken, hashToken } from '../../core/tokens';
import type { OperatorRow } from '../../store/index';
import { operatorActor, type ServiceContext } from '../context';
import { toOperatorView } from '../operatorAccounts';
import { purgeTickets } from './tickets';
import type { RequestMeta } from './state';

import { SESSION_ABSOLUTE_MS, sessionTouchEveryMs } from './sessionLimits';

export { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './sessionLimits';

/** A finished sign-in: the session id for the cookie (stored only hashed) and who it is. */
export interface ConsoleSession {
  sessionId: string;
  operator: OperatorView;
  expiresAt: number;
}

/** Inside the caller's transaction: a new session for `op`, failures cleared, 'operator.login' audited. Returns the session id. */
export function openSession(
  ctx: ServiceContext,
  op: OperatorRow,
  meta: RequestMeta,
  now: number,
  fields: Partial<OperatorRow>,
  details: Record<string, unknown> = {},
): string {
  const sessionId = generateToken();
  const cleared = recordSuccess();
  ctx.store.operators.update(op.id, { ...fields, failures: cleared.failures, last_failure_at: cleared.lastFailureAt, locked_until: cleared.lockedUntil });
  ctx.store.sessions.insert({
    id_hash: hashToken(sessionId),
    operator_id: op.id,
    created_at: now,
    last_seen_at: now,
    expires_at: now + SESSION_ABSOLUTE_MS,
    ip: meta.ip,
    user_agent: meta.userAgent?.slice(0, 300) ?? null,
  });
  ctx.audit.append({
    actor: operatorActor(op, meta.ip),
    action: 'operator.login',
    outcome: 'success',
    details: { operatorId: op.id, role: op.role, ...details },
  });
  return sessionId;
}

/** After the session's transaction: what the console gets back (the operator as now stored). */
export function signedIn(ctx: ServiceContext, sessionId: string, operatorId: string, now: number): ConsoleSession {
  const fresh = ctx.store.operators.findById(operatorId)!;
  return { sessionId, operator: toOperatorView(fresh), expiresAt: now + ctx.operatorSignIn.sessionIdleMs };
}

/** The operator behind a session cookie, or null when the session is unknown, idle too long, expired or disabled. */
export function authenticateSession(ctx: ServiceContext, sessionId: string): { operator: OperatorRow; expiresAt: number } | null {
  const idHash = hashToken(sessionId);
  const row = ctx.store.sessions.find(idHash);
  if (!row) return null;
  const now = ctx.clock();
  const idleMs = ctx.operatorSignIn.sessionIdleMs;
  if (row.expires_at <= now || row.last_seen_at + idleMs <= now) return null;
  const op = ctx.store.operators.findById(row.operator_id);
  if (!op || op.status !== 'active') return null;
  // Coarse, so a busy console does not write on every request.
  const touched = now - row.last_seen_at > sessionTouchEveryMs(idleMs);
  if (touched) ctx.store.sessions.touch(idHash, now);
  return { operator: op, expiresAt: Math.min(row.expires_at, (touched ? now : row.last_seen_at) + idleMs) };
}

/** How long a session has left, as the console's idle warning needs it (remaining times: no clock skew). */
export interface SessionTimes {
  /** The idle timeout itself. */
  idleTimeoutMs: number;
  /** Until the session ends without another request. */
  idleRemainingMs: number;
  /** Until its absolute end (12 h after sign-in), whatever happens. */
  absoluteRemainingMs: number;
  /** How far the last-seen time may lag behind the last request (sessionTouchEveryMs). */
  touchEveryMs: number;
}

/**
 * The session's remaining times; with `extend`, its last-seen time is first set to now ("Stay signed in":
 * the idle clock starts again). Not audited: like every request's coarse touch, it changes no record of
 * anyone's rights. Null when the session has ended meanwhile.
 */
export function sessionTimes(ctx: ServiceContext, sessionId: string, opts: { extend: boolean }): SessionTimes | null {
  const idHash = hashToken(sessionId);
  const now = ctx.clock();
  const idleMs = ctx.operatorSignIn.sessionIdleMs;
  const row = ctx.store.sessions.find(idHash);
  // An ended session is never brought back: checked before the touch.
  if (!row || row.expires_at <= now || row.last_seen_at + idleMs <= now) return null;
  const lastSeen = opts.extend ? now : row.last_seen_at;
  if (opts.extend) ctx.store.sessions.touch(idHash, now);
  const absoluteRemainingMs = row.expires_at - now;
  return {
    idleTimeoutMs: idleMs,
    idleRemainingMs: Math.min(absoluteRemainingMs, lastSeen + idleMs - now),
    absoluteRemainingMs,
    touchEveryMs: sessionTouchEveryMs(idleMs),
  };
}

/** Ends the session (an unknown one is ignored) with its 'operator.logout' entry. */
export function logout(ctx: ServiceContext, sessionId: string, ip: string | null): void {
  const idHash = hashToken(sessionId);
  ctx.store.tx(() => {
    const row = ctx.store.sessions.find(idHash);
    if (!row) return;
    ctx.store.sessions.delete(idHash);
    const op = ctx.store.operators.findById(row.operator_id);
    ctx.audit.append({ actor: op ? operatorActor(op, ip) : { kind: 'system', id: null, name: 'tessera', ip }, action: 'operator.logout', outcome: 'success' });
  });
}

/** Removes expired sessions (and tickets); returns how many sessions went. */
export function purgeSessions(ctx: ServiceContext): number {
  const now = ctx.clock();
  purgeTickets(ctx, now);
  return ctx.store.sessions.purge(now, now - ctx.operatorSignIn.sessionIdleMs);
}
