import type { Actor, ServiceContext } from '../context';

/**
 * Removes challenges past their expiry (issued, never answered). One audit
 * entry per sweep that removed any, with the count: each challenge's issue
 * was audited already, and a challenge that simply runs out is not an event
 * of its own. Returns how many were removed.
 */
export function sweepExpiredChallenges(ctx: ServiceContext, actor: Actor): number {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const removed = ctx.store.webauthn.deleteExpiredChallenges(now);
    if (removed > 0) ctx.audit.append({ actor, action: 'webauthn.challenge.expire', outcome: 'success', details: { removed } });
    return removed;
  });
}
