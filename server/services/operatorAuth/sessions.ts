import type { OperatorView } from '../../../shared/schemas/operators';
import { recordSuccess } from '../../core/policy/throttle';
import { generateToken, hashToken } from '../../core/tokens';
import type { OperatorRow } from '../../store/index';
import { operatorActor, type ServiceContext } from '../context';
import { toOperatorView } from '../operatorAccounts';
import { purgeTickets } from './tickets';
import type { RequestMeta } from './state';

/** Session limits (NIST 800-63B §4.2.3 for AAL2): idle 30 minutes, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;

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
  return { sessionId, operator: toOperatorView(fresh), expiresAt: now + SESSION_IDLE_MS };
}

/** The operator behind a session cookie, or null when the session is unknown, idle too long, expired or disabled. */
export function authenticateSession(ctx: ServiceContext, sessionId: string): { operator: OperatorRow; expiresAt: number } | null {
  const idHash = hashToken(sessionId);
  const row = ctx.store.sessions.find(idHash);
  if (!row) return null;
  const now = ctx.clock();
  if (row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now) return null;
  const op = ctx.store.operators.findById(row.operator_id);
  if (!op || op.status !== 'active') return null;
  // Coarse, so a busy console does not write on every request.
  if (now - row.last_seen_at > 30_000) ctx.store.sessions.touch(idHash, now);
  return { operator: op, expiresAt: Math.min(row.expires_at, now + SESSION_IDLE_MS) };
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
  return ctx.store.sessions.purge(now, now - SESSION_IDLE_MS);
}
