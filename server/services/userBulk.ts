import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import type { BulkAction, BulkUsersInput, BulkUsersResult } from '../../shared/schemas/userBulk';
import type { UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { resetUser } from './factors';

/** disabled_reason of a user an operator disabled: the directory never re-enables them, and the grace sweep leaves their factors. */
export const DISABLED_BY_OPERATOR = 'disabled_by_operator';
/** The reasons the directory disables with (services/directory/plan.ts): only the directory undoes those. */
const DIRECTORY_REASONS = new Set(['removed_from_directory', 'disabled_in_directory']);

/**
 * Every named user, or a not_found naming the ones there are not (checked
 * before anything changes: a selection with a stale name changes nothing).
 */
function requireAll(ctx: ServiceContext, usernames: readonly string[]): UserRow[] {
  const rows = usernames.map((name) => ({ name, row: ctx.store.users.findByKey(usernameKey(name)) }));
  const missing = rows.filter((r) => !r.row).map((r) => r.name);
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `"${n}"`);
    throw new TesseraError(
      'not_found',
      `No user named ${shown.join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}: nothing was changed; refresh the list and select again`,
      { fields: [{ path: 'usernames', message: `${missing.length} of the selected users no longer exist` }] },
    );
  }
  return rows.map((r) => r.row!);
}

/**
 * One action on a selection, in ONE transaction: each user changed gets
 * their own audit entry (user.disable, user.enable or user.reset, with the
 * reason), and the selection one 'users.bulk' entry with the counts. A user
 * the action does not apply to (already disabled, disabled by the
 * directory) is skipped and named in the result; an unknown name refuses
 * the whole call.
 */
export function bulkUsers(ctx: ServiceContext, action: BulkAction, input: BulkUsersInput, actor: Actor): BulkUsersResult {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const users = requireAll(ctx, input.usernames);
    const result: BulkUsersResult = { action, changed: [], skipped: [], factorsRemoved: 0, recoveryCodesRemoved: 0 };
    for (const user of users) {
      if (action === 'disable') {
        if (!ctx.store.users.disable(user.id, now, DISABLED_BY_OPERATOR)) {
          result.skipped.push({ username: user.username, reason: 'already_disabled' });
          continue;
        }
        ctx.audit.append({ actor, action: 'user.disable', user: user.username, outcome: 'success', reason: input.reason, details: { bulk: true } });
      } else if (action === 'enable') {
        if (user.disabled_at === null) {
          result.skipped.push({ username: user.username, reason: 'not_disabled' });
          continue;
        }
        // The next sync would disable them again: the directory decides for its own leavers.
        if (user.disabled_reason !== null && DIRECTORY_REASONS.has(user.disabled_reason)) {
          result.skipped.push({ username: user.username, reason: 'disabled_by_directory' });
          continue;
        }
        ctx.store.users.enable(user.id);
        ctx.audit.append({
          actor,
          action: 'user.enable',
          user: user.username,
          outcome: 'success',
          reason: input.reason,
          details: { bulk: true, disabledSince: new Date(user.disabled_at).toISOString() },
        });
      } else {
        // The single reset, in a savepoint of this transaction: its own 'user.reset' entry.
        const removed = resetUser(ctx, user.username, input.reason, actor);
        result.factorsRemoved += removed.factorsRemoved;
        result.recoveryCodesRemoved += removed.recoveryCodesRemoved;
      }
      result.changed.push(user.username);
    }
    ctx.audit.append({
      actor,
      action: 'users.bulk',
      user: null,
      outcome: 'success',
      reason: input.reason,
      details: {
        action,
        selected: users.length,
        changed: result.changed.length,
        skipped: result.skipped.length,
        ...(action === 'reset' ? { factorsRemoved: result.factorsRemoved, recoveryCodesRemoved: result.recoveryCodesRemoved } : {}),
      },
    });
    return result;
  });
}
