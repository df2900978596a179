import { TesseraError } from '../../../shared/errors';
import { usernameKey } from '../../../shared/schemas/text';
import { evaluateThrottle, recordFailure, recordSuccess, type ThrottleState } from '../../core/policy/throttle';
import type { PasswordThrottleRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { requireDirectoryConnection } from './config';
import { connectAndBind, DirectoryError } from './ldap';

/**
 * "Password + code" sign-ins (the RADIUS issue): a user's directory password
 * checked by binding as them. Its own throttle (the dir_pw_* columns, the
 * same rules as codes: free attempts, growing delays, a lock that releases
 * itself), apart from the code throttle so a password typo does not cost a
 * code attempt. One check per user at a time. Every check writes one audit
 * entry; the password is never logged, stored or put in a message.
 */

export type PasswordCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'wrong_password' | 'throttled' | 'locked' | 'user_disabled' | 'not_from_directory' | 'directory_unavailable';
      retryAfterSeconds?: number;
      message?: string;
    };

const inFlight = new WeakMap<ServiceContext, Set<string>>();

function stateOf(r: PasswordThrottleRow): ThrottleState {
  return { failures: r.dir_pw_failures, lastFailureAt: r.dir_pw_last_failure_at, lockedUntil: r.dir_pw_locked_until };
}

function rowOf(s: ThrottleState): PasswordThrottleRow {
  return { dir_pw_failures: s.failures, dir_pw_last_failure_at: s.lastFailureAt, dir_pw_locked_until: s.lockedUntil };
}

export async function checkDirectoryPassword(ctx: ServiceContext, username: string, password: string, actor: Actor): Promise<PasswordCheck> {
  const conn = requireDirectoryConnection(ctx);
  const user = ctx.store.users.findByKey(usernameKey(username));
  if (!user) throw new TesseraError('not_found', 'No user with that username');
  const audit = (outcome: 'success' | 'failure' | 'denied', reason: string | null, details: Record<string, unknown> = {}) =>
    ctx.audit.append({ actor, action: 'directory.password', user: user.username, outcome, ...(reason ? { reason } : {}), details });

  let busy = inFlight.get(ctx);
  if (!busy) inFlight.set(ctx, (busy = new Set()));
  if (busy.has(user.id)) {
    ctx.store.tx(() => audit('denied', 'throttled', { concurrent: true, retryAfterSeconds: 1 }));
    return { ok: false, reason: 'throttled', retryAfterSeconds: 1 };
  }
  busy.add(user.id);
  try {
    const early = ctx.store.tx((): PasswordCheck | null => {
      const u = ctx.store.users.findById(user.id);
      if (!u) throw new TesseraError('not_found', 'No user with that username');
      if (u.directory_dn === null) {
        audit('denied', 'not_from_directory');
        return { ok: false, reason: 'not_from_directory' };
      }
      if (u.disabled_at !== null) {
        audit('denied', 'user_disabled', { why: u.disabled_reason });
        return { ok: false, reason: 'user_disabled' };
      }
      const gate = evaluateThrottle(stateOf(ctx.store.directory.passwordThrottle(u.id)!), ctx.clock(), ctx.settings.throttle());
      if (gate.decision !== 'allow') {
        audit('denied', gate.decision, { retryAfterSeconds: gate.retryAfterSeconds });
        return { ok: false, reason: gate.decision, retryAfterSeconds: gate.retryAfterSeconds };
      }
      return null;
    });
    if (early) return early;
    const dn = ctx.store.users.findById(user.id)!.directory_dn!;
    // An empty password is an unauthenticated bind (RFC 4513 §5.1.2): servers answer it with success. Never send one.
    let right = false;
    let unavailable: string | null = null;
    if (password !== '') {
      try {
        const client = await connectAndBind(conn.config, dn, password);
        right = true;
        await client.unbind().catch(() => undefined);
      } catch (err) {
        if (!(err instanceof DirectoryError) || err.ldapCode !== 49)
          unavailable = err instanceof TesseraError ? err.message : 'The directory could not be reached';
      }
    }
    return ctx.store.tx((): PasswordCheck => {
      if (unavailable !== null) {
        // Not the user's fault: not counted.
        audit('failure', 'directory_unavailable', { error: unavailable });
        return { ok: false, reason: 'directory_unavailable', message: unavailable };
      }
      const now = ctx.clock();
      const current = stateOf(ctx.store.directory.passwordThrottle(user.id)!);
      if (right) {
        if (current.failures !== 0 || current.lockedUntil !== null) ctx.store.directory.setPasswordThrottle(user.id, rowOf(recordSuccess()));
        audit('success', null);
        return { ok: true };
      }
      const next = recordFailure(current, now, ctx.settings.throttle());
      ctx.store.directory.setPasswordThrottle(user.id, rowOf(next));
      const lockedNow = next.lockedUntil !== null && next.lockedUntil !== current.lockedUntil;
      audit('failure', 'wrong_password', { failures: next.failures, ...(lockedNow ? { lockedUntil: new Date(next.lockedUntil!).toISOString() } : {}) });
      return { ok: false, reason: 'wrong_password' };
    });
  } finally {
    busy.delete(user.id);
  }
}
