import { VERSION } from '../version';
import type { ServiceContext } from './context';

/** What the console shows before anyone signs in. */
export interface SystemInfo {
  version: string;
  issuer: string;
  /** No operator yet: the console offers the first-admin setup. */
  needsSetup: boolean;
}

/** How many console operators exist (any role, any status). */
export function operatorCount(ctx: ServiceContext): number {
  return ctx.store.operators.count();
}

export function systemInfo(ctx: ServiceContext): SystemInfo {
  return { version: VERSION, issuer: ctx.settings.get().issuer, needsSetup: operatorCount(ctx) === 0 };
}

/** Closes the database under the services (a CLI command's end; the server closes it in its own close()). */
export function closeServices(ctx: ServiceContext): void {
  ctx.store.close();
}

/** Whether this node can reach its database: what GET /healthz tells a load balancer. */
export type DatabaseHealth = { ok: true } | { ok: false; detail: string };

/**
 * A cheap database check for /healthz: on PostgreSQL one `SELECT 1` (a node
 * that cannot reach the shared database can answer nothing, so the balancer
 * should send its requests elsewhere); on SQLite always ok. `detail` is the
 * driver's message (host and port, never the password) for the node's log.
 */
export function databaseHealth(ctx: ServiceContext): DatabaseHealth {
  try {
    ctx.store.db.ping();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
