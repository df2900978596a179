import type { Actor, ServiceContext } from '../context';
import { SYSTEM_ACTOR } from '../context';
import { directoryConnection } from './config';
import { applyDirectorySync, isSyncRunning } from './sync';

const DAY_MS = 86_400_000;
/** The grace period when no directory is set up any more (the setting's default). */
const DEFAULT_GRACE_DAYS = 30;

/**
 * After the grace period, a disabled user's factors, recovery codes,
 * temporary code and remembered devices are removed, one audited
 * transaction per user (the user stays, disabled). Run by the sweep;
 * returns how many users it cleared.
 */
export function removeFactorsPastGrace(ctx: ServiceContext, actor: Actor = SYSTEM_ACTOR): number {
  const graceDays = directoryConnection(ctx)?.config.graceDays ?? DEFAULT_GRACE_DAYS;
  const cutoff = ctx.clock() - graceDays * DAY_MS;
  let cleared = 0;
  for (const u of ctx.store.directory.disabledPastGrace(cutoff)) {
    ctx.store.tx(() => {
      const row = ctx.store.users.findById(u.id);
      // Re-enabled (or deleted) since the list was read: leave them.
      if (!row || row.disabled_at === null || row.disabled_at > cutoff) return;
      const factorsRemoved = ctx.store.factors.deleteAllForUser(u.id);
      const recoveryCodesRemoved = ctx.store.recoveryCodes.deleteAllForUser(u.id);
      const devicesRevoked = ctx.store.rememberedDevices.deleteAllForUser(u.id);
      const temporaryCodeRevoked = ctx.store.temporaryCodes.revoke(u.id);
      ctx.audit.append({
        actor,
        action: 'directory.factors.remove',
        user: row.username,
        outcome: 'success',
        reason: 'grace_period_over',
        details: {
          factorsRemoved,
          recoveryCodesRemoved,
          devicesRevoked,
          temporaryCodeRevoked,
          disabledAt: new Date(row.disabled_at).toISOString(),
          why: row.disabled_reason,
          graceDays,
        },
      });
      cleared++;
    });
  }
  return cleared;
}

/** The scheduled sync's actor in the audit log. */
export const SCHEDULE_ACTOR: Actor = { kind: 'system', id: null, name: 'directory-schedule', ip: null };

/**
 * Starts a sync when the schedule says one is due (syncEveryMinutes since
 * the last one, whatever its outcome) and none is running; never past the
 * guard (a scheduled sync is never confirmed). Returns the sync's promise,
 * or null when none was started; its failure is recorded as the last sync.
 */
export function runScheduledSync(ctx: ServiceContext): Promise<unknown> | null {
  const row = ctx.store.directory.settings();
  const conn = row ? directoryConnection(ctx) : null;
  const every = conn?.config.syncEveryMinutes ?? null;
  if (!row || every === null || isSyncRunning(ctx)) return null;
  if (row.last_sync_at !== null && ctx.clock() - row.last_sync_at < every * 60_000) return null;
  return applyDirectorySync(ctx, SCHEDULE_ACTOR, { by: 'schedule' }).catch(() => undefined);
}
