import { TesseraError } from '../../shared/errors';
import { DEFAULT_SETTINGS, Settings, type SettingsPatch } from '../../shared/schemas/settings';
import type { Method } from '../../shared/schemas/methods';
import type { ThrottleSettings } from '../core/policy/throttle';
import type { Store } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { requireMethodsAvailable } from './methods/registry';

/** How often, at most, SQLite's data_version is read for settings written by another connection. */
export const SQLITE_VERSION_CHECK_MS = 100;

/**
 * Settings as stored, over the defaults, cached in memory: the verify path
 * reads them on every request. Writes go through `apply` inside the caller's
 * transaction; the cache is refreshed only after that transaction commits.
 * Another connection's commit (the CLI on SQLite, another node on
 * PostgreSQL) moves `db.dataVersion()`, and a read after it reloads: a
 * change made on one node takes effect on every node. On PostgreSQL the
 * check is an atomic load, made on every read; on SQLite it is a PRAGMA
 * (12 µs measured on a busy 2-core machine, and a verify reads settings 4
 * times: 50 µs, 1% of a lone TOTP verify's 4.6 ms there but more of one
 * whose commit is shared), so it is made at most every
 * SQLITE_VERSION_CHECK_MS there — the writer on another connection is the
 * CLI, a person.
 */
export class SettingsService {
  private cached: Settings;
  private loadedAt: number;
  /** This connection wrote settings in a transaction not yet refreshed after: no reload may read them before it commits. */
  private writing = false;
  private readonly checkEveryMs: number;
  private nextCheckAt = 0;

  constructor(private readonly store: Store) {
    this.checkEveryMs = store.db.dialect === 'postgres' ? 0 : SQLITE_VERSION_CHECK_MS;
    this.loadedAt = store.db.dataVersion();
    this.cached = this.load();
  }

  private load(): Settings {
    const stored = this.store.settings.all();
    const merged = { ...DEFAULT_SETTINGS, ...stored, methods: { ...DEFAULT_SETTINGS.methods, ...(stored.methods as object | undefined) } };
    const parsed = Settings.safeParse(merged);
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  /** The cached settings, reloaded first when another connection has committed since they were read. */
  private current(): Settings {
    if (!this.writing && this.checkDue()) {
      const version = this.store.db.dataVersion();
      if (version !== this.loadedAt) {
        // The version is taken before reading: a commit landing during the read moves it again, and the next call reloads.
        try {
          this.cached = this.load();
          this.loadedAt = version;
        } catch {
          // The read failed (the database unreachable, or on PostgreSQL a caller's transaction already aborted by an
          // earlier statement): the settings last read still answer, and the next read tries again. The caller's own
          // statements fail on their own.
        }
      }
    }
    return this.cached;
  }

  private checkDue(): boolean {
    if (this.checkEveryMs === 0) return true;
    const t = performance.now();
    if (t < this.nextCheckAt) return false;
    this.nextCheckAt = t + this.checkEveryMs;
    return true;
  }

  get(): Settings {
    return this.current();
  }

  isEnabled(method: Method): boolean {
    return this.current().methods[method];
  }

  throttle(): ThrottleSettings {
    const s = this.current();
    return { freeAttempts: s.throttleFreeAttempts, lockAfter: s.throttleLockAfter, lockSeconds: s.throttleLockMinutes * 60 };
  }

  /** Computes the new settings and writes the changed keys; returns what changed (old → new). */
  apply(patch: SettingsPatch): { next: Settings; changed: Record<string, { from: unknown; to: unknown }> } {
    const current = this.current();
    requireMethodsAvailable(patch.methods ?? {}, current.methods);
    const next = Settings.parse({ ...current, ...patch, methods: { ...current.methods, ...patch.methods } });
    if (next.recheckMaxSeconds < next.recheckMinSeconds) {
      throw new TesseraError('bad_request', 'The longest re-check interval must not be below the shortest', {
        fields: [{ path: 'recheckMaxSeconds', message: 'Must not be below the shortest re-check interval' }],
      });
    }
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(next) as (keyof Settings)[]) {
      if (key === 'methods') {
        for (const m of Object.keys(next.methods) as Method[]) {
          if (next.methods[m] !== current.methods[m]) changed[`methods.${m}`] = { from: current.methods[m], to: next.methods[m] };
        }
      } else if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) {
        changed[key] = { from: current[key], to: next[key] };
      }
    }
    if (Object.keys(changed).length > 0) {
      this.writing = true;
      for (const key of Object.keys(next) as (keyof Settings)[]) this.store.settings.set(key, next[key]);
    }
    return { next, changed };
  }

  /** Re-reads the stored settings (after a committed write, or a rollback). */
  refresh(): void {
    this.writing = false;
    this.loadedAt = this.store.db.dataVersion();
    this.cached = this.load();
  }
}

/** Changes settings (methods on/off included) in one transaction with its audit entry. */
export function updateSettings(ctx: ServiceContext, patch: SettingsPatch, actor: Actor): Settings {
  try {
    const next = ctx.store.tx(() => {
      const { next, changed } = ctx.settings.apply(patch);
      if (Object.keys(changed).length > 0) {
        ctx.audit.append({ actor, action: 'settings.update', outcome: 'success', details: { changed } });
      }
      return next;
    });
    return next;
  } finally {
    ctx.settings.refresh();
  }
}
