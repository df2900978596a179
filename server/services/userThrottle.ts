import { TesseraError } from '../../shared/errors';
import { recordFailure, recordSuccess } from '../core/policy/throttle';
import type { UserRow } from '../store/index';
import type { ServiceContext } from './context';
import { throttleStateOf } from './wireViews';

/**
 * Writing a user's throttle state after a check of one of their factors
 * (codes and security keys alike). Run inside the caller's transaction,
 * which also appends the attempt's audit entry. The new count is computed
 * from the user's row as read here, inside that transaction, never from a
 * row the caller read before an await: concurrent failures all count.
 */

/** Counts one failure; says whether it is the one that locked the user (and until when). */
export function recordUserFailure(
  ctx: ServiceContext,
  user: Pick<UserRow, 'id'>,
  now: number,
): { failures: number; lockedUntil: number | null; lockedNow: boolean } {
  const current = currentRow(ctx, user.id);
  const next = recordFailure(throttleStateOf(current), now, ctx.settings.throttle());
  ctx.store.users.setThrottle(current.id, { failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
  const lockedNow = next.lockedUntil !== null && next.lockedUntil > now && next.lockedUntil !== current.locked_until;
  return { failures: next.failures, lockedUntil: next.lockedUntil, lockedNow };
}

/** A success clears the count (and writes nothing when there is nothing to clear). */
export function clearUserFailures(ctx: ServiceContext, user: Pick<UserRow, 'id'>): void {
  const current = currentRow(ctx, user.id);
  if (current.failures === 0 && current.locked_until === null) return;
  const s = recordSuccess();
  ctx.store.users.setThrottle(current.id, { failures: s.failures, last_failure_at: s.lastFailureAt, locked_until: s.lockedUntil });
}

function currentRow(ctx: ServiceContext, userId: string): UserRow {
  if (!ctx.store.db.inTransaction()) throw new TesseraError('internal', 'A throttle write must run inside the transaction that read the state');
  const row = ctx.store.users.findById(userId);
  if (!row) throw new TesseraError('not_found', 'No user with that username');
  return row;
}
