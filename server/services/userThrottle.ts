import { recordFailure, recordSuccess } from '../core/policy/throttle';
import type { UserRow } from '../store/index';
import type { ServiceContext } from './context';
import { throttleStateOf } from './views';

/**
 * Writing a user's throttle state after a check of one of their factors
 * (codes and security keys alike). Run inside the caller's transaction,
 * which also appends the attempt's audit entry.
 */

/** Counts one failure; says whether it is the one that locked the user (and until when). */
export function recordUserFailure(ctx: ServiceContext, user: UserRow, now: number): { failures: number; lockedUntil: number | null; lockedNow: boolean } {
  const next = recordFailure(throttleStateOf(user), now, ctx.settings.throttle());
  ctx.store.users.setThrottle(user.id, { failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
  const lockedNow = next.lockedUntil !== null && next.lockedUntil > now && next.lockedUntil !== user.locked_until;
  return { failures: next.failures, lockedUntil: next.lockedUntil, lockedNow };
}

/** A success clears the count (and writes nothing when there is nothing to clear). */
export function clearUserFailures(ctx: ServiceContext, user: UserRow): void {
  if (user.failures === 0 && user.locked_until === null) return;
  const s = recordSuccess();
  ctx.store.users.setThrottle(user.id, { failures: s.failures, last_failure_at: s.lastFailureAt, locked_until: s.lockedUntil });
}
