import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TesseraError } from '../../../shared/errors';
import { usernameKey } from '../../../shared/schemas/text';
import type { LastSyncView, SyncCounts, SyncPlanView, SyncResult } from '../../../shared/schemas/directory';
import type { Actor, ServiceContext } from '../context';
import { updateOperator } from '../operatorAccounts';
import { insertUserRow } from '../users';
import { requireDirectoryConnection } from './config';
import { countsOf, planSync, planView, type SyncPlan } from './plan';
import { readDirectory, requireSomeone } from './read';

/**
 * A dry run and a sync. Both read the whole directory first (paged); a
 * failed or empty search changes nothing. A sync that would disable more
 * than the guard's share stops unless confirmed. Changes are applied in
 * chunks, one transaction each, one audit entry per change; a summary
 * entry at the end (also after a cancel or a failure part-way).
 */

export interface SyncProgress {
  phase: 'reading' | 'planning' | 'applying';
  done: number;
  total: number;
}

export interface SyncOptions {
  /** Go on past the mass-disable guard. */
  confirm?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Changes per transaction (default 500). */
  chunkSize?: number;
  /** Who the last-sync line names: an operator or CLI account, or 'schedule'. */
  by?: string;
}

/** One sync at a time per Tessera (a scheduled one and an operator's would race each other's plans). */
const running = new WeakMap<ServiceContext, true>();

export function isSyncRunning(ctx: ServiceContext): boolean {
  return running.has(ctx);
}

/** Reads the directory and answers what a sync would do; changes nothing. */
export async function planDirectorySync(ctx: ServiceContext, opts: { signal?: AbortSignal } = {}): Promise<SyncPlanView> {
  return planView(await readAndPlan(ctx, opts));
}

async function readAndPlan(ctx: ServiceContext, opts: Pick<SyncOptions, 'signal' | 'onProgress'>): Promise<SyncPlan> {
  const conn = requireDirectoryConnection(ctx);
  const read = await readDirectory(conn, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (n) => opts.onProgress?.({ phase: 'reading', done: n, total: 0 }),
  });
  requireSomeone(read, conn.config);
  opts.onProgress?.({ phase: 'planning', done: 0, total: read.people.length });
  return planSync(ctx, conn.config, read, opts.signal);
}

export function guardMessage(plan: Pick<SyncPlan, 'guard'>): string {
  const g = plan.guard;
  return (
    `This sync would disable ${g.wouldDisable} of ${g.directoryUsers} directory users (${g.percent} %), more than the ${g.limitPercent} % guard: ` +
    'nothing was changed. Check the dry run (a wrong base DN or filter looks like everyone leaving), then sync again with confirm'
  );
}

type Change =
  | { kind: 'add'; plan: SyncPlan['add'][number] }
  | { kind: 'update'; plan: SyncPlan['update'][number] }
  | { kind: 'disable'; plan: SyncPlan['disable'][number] }
  | { kind: 'reEnable'; plan: SyncPlan['reEnable'][number] };

/** Runs a sync: read, plan, guard, apply. Throws (changing nothing) on a failed or empty search and on the guard. */
export async function applyDirectorySync(ctx: ServiceContext, actor: Actor, opts: SyncOptions = {}): Promise<SyncResult> {
  if (running.has(ctx)) throw new TesseraError('conflict', 'A directory sync is already running; wait for it to finish');
  const lease = takeSyncLease(ctx);
  running.set(ctx, true);
  const by = opts.by ?? actor.name ?? actor.kind;
  try {
    let plan: SyncPlan;
    try {
      plan = await readAndPlan(ctx, opts);
      if (plan.guard.exceeded && !opts.confirm) throw new TesseraError('mass_disable_guard', guardMessage(plan));
    } catch (err) {
      if (!opts.signal?.aborted) recordStopped(ctx, actor, by, err);
      throw err;
    }
    return await applyPlan(ctx, plan, actor, by, opts);
  } finally {
    running.delete(ctx);
    lease.release();
  }
}

/**
 * How long the sync's lease holds unless renewed. Every node runs the
 * schedule, and the CLI may sync while a server runs: the lease (a
 * check_leases row) lets one sync run at a time across all of them. It is
 * renewed a few times a life while the sync runs, so a long one keeps it
 * and a crashed one frees it within a minute.
 */
const SYNC_LEASE_MS = 60_000;

function takeSyncLease(ctx: ServiceContext): { release(): void } {
  const holder = randomUUID();
  const leases = ctx.store.checkLeases;
  const now = ctx.clock();
  if (!leases.take('directory-sync', 'all', holder, now, now + SYNC_LEASE_MS)) {
    throw new TesseraError('conflict', 'A directory sync is already running on another node or in the command line; wait for it to finish');
  }
  const renew = setInterval(() => {
    try {
      leases.renew('directory-sync', 'all', holder, ctx.clock() + SYNC_LEASE_MS);
    } catch {
      // The database is away: the next renewal or the release tries again; the lease runs out meanwhile at worst.
    }
  }, SYNC_LEASE_MS / 4);
  renew.unref();
  return {
    release() {
      clearInterval(renew);
      try {
        leases.release('directory-sync', 'all', holder);
      } catch {
        // Runs out by itself within SYNC_LEASE_MS.
      }
    },
  };
}

/** A sync that stopped before changing anything: the summary entry says why, and so does the last-sync line. */
function recordStopped(ctx: ServiceContext, actor: Actor, by: string, err: unknown): void {
  const message = err instanceof TesseraError ? err.message : 'The sync failed; the details are in the server log';
  const now = ctx.clock();
  ctx.store.tx(() => {
    ctx.audit.append({
      actor,
      action: 'directory.sync',
      outcome: 'failure',
      reason: message,
      details: { code: err instanceof TesseraError ? err.code : 'internal' },
    });
    writeLastSync(ctx, now, { at: new Date(now).toISOString(), ok: false, counts: null, error: message, by });
  });
}

function writeLastSync(ctx: ServiceContext, now: number, view: LastSyncView): void {
  if (ctx.store.directory.settings()) ctx.store.directory.setLastSync(now, JSON.stringify(view));
}

async function applyPlan(ctx: ServiceContext, plan: SyncPlan, actor: Actor, by: string, opts: SyncOptions): Promise<SyncResult> {
  const chunkSize = opts.chunkSize ?? ctx.store.db.writeChunkRows;
  const changes: Change[] = [
    ...plan.add.map((p): Change => ({ kind: 'add', plan: p })),
    ...plan.update.map((p): Change => ({ kind: 'update', plan: p })),
    ...plan.disable.map((p): Change => ({ kind: 'disable', plan: p })),
    ...plan.reEnable.map((p): Change => ({ kind: 'reEnable', plan: p })),
  ];
  const done: SyncCounts = { add: 0, update: 0, disable: 0, reEnable: 0, unchanged: plan.unchanged, skipped: plan.skipped.length };
  const graceDays = requireDirectoryConnection(ctx).config.graceDays;
  let cancelled = false;
  let notAttempted = 0;
  let failure: unknown = null;
  try {
    for (let start = 0; start < changes.length; start += chunkSize) {
      if (opts.signal?.aborted) {
        cancelled = true;
        notAttempted = changes.length - start;
        break;
      }
      const chunk = changes.slice(start, start + chunkSize);
      const now = ctx.clock();
      ctx.store.tx(() => {
        for (const c of chunk) {
          if (applyOne(ctx, c, actor, now, graceDays)) done[c.kind]++;
          else done.skipped++;
        }
      });
      opts.onProgress?.({ phase: 'applying', done: Math.min(start + chunkSize, changes.length), total: changes.length });
      await yieldToLoop();
    }
  } catch (err) {
    failure = err;
  }
  let rolesChanged = 0;
  let operatorsDisabled = 0;
  if (!cancelled && failure === null) {
    for (const r of plan.roles) {
      try {
        updateOperator(ctx, { id: r.operatorId, role: r.to }, actor);
        rolesChanged++;
      } catch {
        // The last active admin keeps their role (updateOperator refuses): the summary counts what changed.
      }
    }
    for (const o of plan.operatorsDisabled) {
      try {
        // Disabling ends their console sessions at once (updateOperator).
        updateOperator(ctx, { id: o.operatorId, status: 'disabled' }, actor);
        operatorsDisabled++;
      } catch {
        // The last active admin stays (updateOperator refuses): counted as not disabled, and the plan named them.
      }
    }
  }
  const now = ctx.clock();
  const counts = done;
  const error = failure === null ? null : failure instanceof TesseraError ? failure.message : 'The sync failed part-way; the details are in the server log';
  ctx.store.tx(() => {
    ctx.audit.append({
      actor,
      action: 'directory.sync',
      outcome: failure === null ? 'success' : 'failure',
      ...(error ? { reason: error } : {}),
      details: {
        counts,
        planned: countsOf(plan),
        rolesChanged,
        operatorsDisabled,
        cancelled,
        notAttempted,
        entries: plan.entries,
        confirmed: opts.confirm === true,
      },
    });
    writeLastSync(ctx, now, { at: new Date(now).toISOString(), ok: failure === null && !cancelled, counts, error: cancelled ? 'Cancelled' : error, by });
  });
  if (failure !== null) throw failure;
  return { counts, rolesChanged, operatorsDisabled, cancelled, notAttempted };
}

/** One change inside the chunk's transaction, checked again against the row as it is now; false: left alone (it changed since the plan). */
function applyOne(ctx: ServiceContext, c: Change, actor: Actor, now: number, graceDays: number): boolean {
  const repo = ctx.store.directory;
  switch (c.kind) {
    case 'add': {
      const p = c.plan;
      const key = usernameKey(p.username);
      if (ctx.store.users.findByKey(key) || ctx.store.users.findLookAlike(p.username)) return false;
      const row = insertUserRow(
        ctx,
        {
          username: p.username,
          ...(p.displayName ? { displayName: p.displayName } : {}),
          ...(p.email ? { email: p.email } : {}),
          ...(p.phone ? { phone: p.phone } : {}),
        },
        key,
        now,
        actor,
        { directory: true, dn: p.dn },
      );
      repo.markFromDirectory(row.id, p.dn, now);
      if (p.groups) repo.setGroups(row.id, p.groups);
      return true;
    }
    case 'update': {
      const { userId, person, changes } = c.plan;
      const user = ctx.store.users.findById(userId);
      if (!user) return false;
      const fields = new Set(changes.map((ch) => ch.field));
      if (fields.has('displayName') || fields.has('email') || fields.has('phone')) {
        ctx.store.users.setContact({ id: user.id, username: user.username, display_name: person.displayName, email: person.email, phone: person.phone });
      }
      repo.markFromDirectory(user.id, person.dn, now);
      if (fields.has('groups') && person.groups) repo.setGroups(user.id, person.groups);
      // Names of the changed fields only (addresses and numbers stay out of the log, as for user.update).
      ctx.audit.append({ actor, action: 'directory.user.update', user: user.username, outcome: 'success', details: { changed: [...fields], dn: person.dn } });
      return true;
    }
    case 'disable': {
      const { userId, why } = c.plan;
      if (!repo.disable(userId, now, why)) return false;
      const user = ctx.store.users.findById(userId)!;
      const factorsKept = ctx.store.factors.listByUser(userId).length;
      ctx.audit.append({
        actor,
        action: 'directory.user.disable',
        user: user.username,
        outcome: 'success',
        reason: why,
        details: { factorsKept, factorsRemovedAfterDays: graceDays },
      });
      return true;
    }
    case 'reEnable': {
      const user = ctx.store.users.findById(c.plan.userId);
      if (!user || user.disabled_at === null) return false;
      repo.enable(user.id);
      ctx.audit.append({
        actor,
        action: 'directory.user.enable',
        user: user.username,
        outcome: 'success',
        details: { disabledSince: new Date(user.disabled_at).toISOString(), was: user.disabled_reason },
      });
      return true;
    }
  }
}
