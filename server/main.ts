import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Store, type Durability } from './store/index';
import { createServices, SYSTEM_ACTOR, type Clock, type Services } from './services/index';
import { expirePendingFactors } from './services/factors';
import { buildHttpServer } from './api/http';
import { dbPath, ensureDataDir, loadMasterKey } from './runtime/dataDir';

export interface TesseraOptions {
  dataDir: string;
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
}

/** Where `vite build renderer` puts the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../renderer/dist', import.meta.url));

export interface RunningTessera {
  url: string;
  host: string;
  port: number;
  services: Services;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Opens the data folder's store and builds the services (no HTTP): for the CLI and tests. */
export function openTessera(opts: { dataDir: string; clock?: Clock; durability?: Durability; env?: NodeJS.ProcessEnv; createIfNew?: boolean }): Services {
  ensureDataDir(opts.dataDir);
  const { key } = loadMasterKey(opts.dataDir, { createIfNew: opts.createIfNew ?? true, ...(opts.env ? { env: opts.env } : {}) });
  const store = Store.open(dbPath(opts.dataDir), opts.durability ? { durability: opts.durability } : {});
  try {
    return createServices(store, key, opts.clock);
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
  const services = openTessera(opts);
  const { app, setPort } = buildHttpServer(services, { host, port: opts.port ?? 8787, logger: opts.logger ?? false, consoleDir: opts.consoleDir === undefined ? DEFAULT_CONSOLE_DIR : opts.consoleDir });
  const sweep = setInterval(() => {
    try {
      expirePendingFactors(services, SYSTEM_ACTOR);
      services.operatorAuth.purgeSessions();
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
    async close() {
      clearInterval(sweep);
      await app.close();
      services.store.close();
    },
  };
}
