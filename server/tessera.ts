import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { TesseraError } from '../shared/errors';
import { isPostgresUrl, Store, type Durability } from './store/index';
import { setSqliteNativeBinding } from './store/db';
import { createServices, SYSTEM_ACTOR, type Clock, type Services } from './services/index';
import { expirePendingFactors } from './services/factors';
import { sweepExpiredDeliveredCodes } from './services/deliveredCodes';
import { sweepSpentTemporaryCodes } from './services/temporaryCodes';
import { sweepExpiredDevices } from './services/rememberedDevices';
import { sweepExpiredChallenges } from './services/webauthn/sweep';
import { removeFactorsPastGrace, runScheduledSync } from './services/directory/index';
import { purgeSessions, sessionIdleMsFromEnv } from './services/operatorAuth/index';
import { issueSetupToken } from './services/setup';
import { buildHttpServer } from './api/http';
import { resolveHttpLimits, type HttpLimits } from './api/httpLimits';
import { auditAnchorPath, dbPath, ensureDataDir, loadMasterKey } from './runtime/dataDir';
import { FileAnchorStore, ThreadedFileAnchorStore } from './services/auditAnchor';
import { nodeIdentityFromEnv } from './services/jobRecords';
import { radiusOptionsFromEnv, startRadiusServer, type RadiusListenOptions, type RunningRadius } from './services/radius/server';

// What an embedding process (the Electron shell) needs besides startTessera: it
// reaches the server through this module only.
export { AUDIT_ANCHOR_FILE, defaultDataDir, dbPath, loadMasterKey, MASTER_KEY_FILE } from './runtime/dataDir';
export { LAUNCH_SECRET_HEADER } from './api/security';
export { VERSION } from './version';
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from './api/httpLimits';

export interface TesseraOptions {
  dataDir: string;
  /**
   * A shared PostgreSQL database (`postgres://…`) instead of the data
   * folder's SQLite file, for several nodes (issue 17). Default:
   * TESSERA_DATABASE_URL, else SQLite. The data folder still holds this
   * node's master key file (unless TESSERA_MASTER_KEY) and audit anchor.
   */
  databaseUrl?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  durability?: Durability;
  env?: NodeJS.ProcessEnv;
  /** How often pending enrollments past their expiry are removed. */
  sweepIntervalMs?: number;
  logger?: boolean;
  /** The built console; defaults to renderer/dist in this checkout. null serves no console. */
  consoleDir?: string | null;
  /**
   * The master key, when the caller keeps it (the desktop app: sealed by the
   * OS keychain). Without it: `TESSERA_MASTER_KEY`, else the key file.
   */
  masterKey?: Buffer;
  /**
   * A per-launch secret: the console (/, /assets, /trpc, /console, every page)
   * then answers only requests carrying it in the `x-tessera-launch` header, so
   * only the desktop window that started this server gets in. The REST API
   * (/api/…, API keys) and /healthz stay open to applications.
   */
  launchSecret?: string;
  /** A better-sqlite3 addon to load instead of node_modules' own (one built for Electron's ABI). */
  sqliteNativeBinding?: string;
  /** HTTP timeouts and the connection cap; each one left out keeps its default (DEFAULT_HTTP_LIMITS). */
  httpLimits?: Partial<HttpLimits>;
  /** The RADIUS server (UDP, issue 16): off by default; else TESSERA_RADIUS_PORT / TESSERA_RADIUS_HOST. null keeps it off whatever the environment says. */
  radius?: RadiusListenOptions | null;
}

/** Where `vite build renderer` puts the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../renderer/dist', import.meta.url));

export interface RunningTessera {
  url: string;
  host: string;
  port: number;
  services: Services;
  app: FastifyInstance;
  /** The RADIUS server when one was asked for. */
  radius: RunningRadius | null;
  close(): Promise<void>;
}

/** `TESSERA_DURABILITY=full` fsyncs every commit; unset or `normal` keeps the default. */
export function durabilityFromEnv(env: NodeJS.ProcessEnv): Durability | undefined {
  const value = env.TESSERA_DURABILITY?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'full' || value === 'normal') return value;
  throw new TesseraError('bad_request', `TESSERA_DURABILITY must be "normal" or "full", not "${env.TESSERA_DURABILITY}"`);
}

/**
 * The PostgreSQL URL to use: the option, else TESSERA_DATABASE_URL; null for
 * the data folder's SQLite file. Anything else than a postgres:// URL is a
 * mistake worth stopping for (a file path there would silently be ignored).
 */
export function databaseUrlFrom(option: string | undefined, env: NodeJS.ProcessEnv): string | null {
  const value = (option ?? env.TESSERA_DATABASE_URL ?? '').trim();
  if (value === '') return null;
  if (!isPostgresUrl(value)) {
    throw new TesseraError(
      'bad_request',
      'The database must be a PostgreSQL URL (postgres://user:password@host:port/database); leave it unset for the SQLite file in the data folder',
    );
  }
  return value;
}

/** Opens the data folder's store and builds the services (no HTTP): for the CLI and tests. */
export function openTessera(opts: {
  dataDir: string;
  clock?: Clock;
  durability?: Durability;
  env?: NodeJS.ProcessEnv;
  createIfNew?: boolean;
  masterKey?: Buffer;
  sqliteNativeBinding?: string;
  databaseUrl?: string;
  /** Anchor writes after commits in a thread (a server: the event loop never waits on the file system for them); a CLI command writes them at once. */
  anchorInBackground?: boolean;
}): Services {
  // Settings are checked before anything is created on disk.
  const durability = opts.durability ?? durabilityFromEnv(opts.env ?? process.env);
  const sessionIdleMs = sessionIdleMsFromEnv(opts.env ?? process.env);
  ensureDataDir(opts.dataDir);
  if (opts.masterKey !== undefined && opts.masterKey.length !== 32) throw new Error('The master key must be 32 bytes');
  const key = opts.masterKey ?? loadMasterKey(opts.dataDir, { createIfNew: opts.createIfNew ?? true, ...(opts.env ? { env: opts.env } : {}) }).key;
  if (opts.sqliteNativeBinding !== undefined) setSqliteNativeBinding(opts.sqliteNativeBinding);
  const databaseUrl = databaseUrlFrom(opts.databaseUrl, opts.env ?? process.env);
  const store = databaseUrl ? Store.open(databaseUrl) : Store.open(dbPath(opts.dataDir), durability ? { durability } : {});
  try {
    // TESSERA_AUDIT_ANCHOR: one anchor file for every node of a deployment (shared storage), else the data folder's.
    const anchorFile = (opts.env ?? process.env).TESSERA_AUDIT_ANCHOR?.trim() || auditAnchorPath(dbPath(opts.dataDir));
    return createServices(store, key, opts.clock, {
      sessionIdleMs,
      anchor: opts.anchorInBackground ? new ThreadedFileAnchorStore(anchorFile) : new FileAnchorStore(anchorFile),
    });
  } catch (err) {
    store.close();
    throw err;
  }
}

/**
 * Starts Tessera: store → services → HTTP. The one entry point used by
 * `tessera serve`, `npm start`, the Electron main process and the tests.
 */
export async function startTessera(opts: TesseraOptions): Promise<RunningTessera> {
  const host = opts.host ?? '127.0.0.1';
  const limits = resolveHttpLimits(opts.httpLimits); // a bad limit fails before the store is opened
  const radiusOptions = opts.radius !== undefined ? opts.radius : radiusOptionsFromEnv(opts.env ?? process.env);
  const services = openTessera({ ...opts, anchorInBackground: true });
  // A log behind (or diverging from) its anchor is said loudly, but Tessera still starts: verifies must go on.
  // "tessera audit verify" fails until an operator restores or re-anchors (tessera audit anchor --reset).
  const anchor = services.audit.anchorStatus();
  if (anchor.state === 'behind' || anchor.state === 'diverged' || anchor.state === 'invalid') {
    console.error(`[tessera] AUDIT LOG ROLLBACK OR TAMPERING: ${anchor.message}. Run "tessera audit verify".`);
  }
  const { app, setPort } = buildHttpServer(services, {
    host,
    port: opts.port ?? 8787,
    logger: opts.logger ?? false,
    consoleDir: opts.consoleDir === undefined ? DEFAULT_CONSOLE_DIR : opts.consoleDir,
    ...(opts.launchSecret !== undefined ? { launchSecret: opts.launchSecret } : {}),
    limits,
    node: nodeIdentityFromEnv(opts.env ?? process.env),
  });
  const sweep = setInterval(() => {
    try {
      expirePendingFactors(services, SYSTEM_ACTOR);
      sweepExpiredChallenges(services, SYSTEM_ACTOR);
      sweepExpiredDeliveredCodes(services);
      sweepSpentTemporaryCodes(services, SYSTEM_ACTOR);
      sweepExpiredDevices(services);
      purgeSessions(services);
      // Issue 15: factors of users disabled by the directory go after the grace period; a sync runs when its schedule says.
      removeFactorsPastGrace(services, SYSTEM_ACTOR);
      void runScheduledSync(services);
    } catch (err) {
      app.log.error({ err }, 'expiring pending factors failed');
    }
  }, opts.sweepIntervalMs ?? 60_000);
  sweep.unref();
  try {
    await app.listen({ host, port: opts.port ?? 8787 });
  } catch (err) {
    clearInterval(sweep);
    services.store.close();
    throw err;
  }
  let radius: RunningRadius | null = null;
  try {
    if (radiusOptions) radius = await startRadiusServer(services, radiusOptions);
  } catch (err) {
    clearInterval(sweep);
    await app.close();
    services.store.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 8787);
  setPort(port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    services,
    app,
    radius,
    async close() {
      clearInterval(sweep);
      await radius?.close();
      await app.close();
      services.store.close();
    },
  };
}

/**
 * While nobody can sign in yet (no operator), a one-time setup link for the
 * first admin, as a path on the console (`/setup?token=…`); else null.
 */
export function firstAdminSetupPath(running: RunningTessera, actorName: string): string | null {
  if (running.services.store.operators.count() > 0) return null;
  const link = issueSetupToken(running.services, { kind: 'system', id: null, name: actorName, ip: null });
  return link ? `/setup?token=${encodeURIComponent(link.token)}` : null;
}
