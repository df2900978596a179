import type { ChildProcess } from 'node:child_process';
import { childEnv, startServeProcess } from '../../server/testing/serverProcess';

// The one process spawner (server/testing/serverProcess.ts), shared with bench and the CLI's tests.
export { CLI_ENTRY, freePort, REPO_ROOT, stopPid } from '../../server/testing/serverProcess';

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  logFile: string;
  /** The one-time setup link, when `serve` printed one at start. */
  setupUrl?: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Tessera server as a child process (`serve --data DIR --port P`
 * on a free loopback port) and resolves once GET /healthz answers
 * `{"ok":true}`. Its stdout and stderr go to `logFile`.
 */
export async function startServerProcess(opts: {
  dataDir: string;
  logFile: string;
  port?: number;
  timeoutMs?: number;
  /** Added to the child's environment (e.g. TESSERA_RADIUS_PORT). */
  env?: NodeJS.ProcessEnv;
}): Promise<ServerProcess> {
  try {
    const p = await startServeProcess({
      dataDir: opts.dataDir,
      logFile: opts.logFile,
      waitForHealth: true,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.timeoutMs !== undefined ? { readyTimeoutMs: opts.timeoutMs } : {}),
      ...(opts.env ? { env: childEnv({ TESSERA_DATA: opts.dataDir, ...opts.env }) } : {}),
    });
    const setupUrl = p.setupUrl();
    return {
      url: p.url,
      port: p.port,
      dataDir: opts.dataDir,
      child: p.child,
      logFile: opts.logFile,
      ...(setupUrl ? { setupUrl } : {}),
      stop: async () => void (await p.stop()),
    };
  } catch (err) {
    throw new Error(`e2e: ${err instanceof Error ? err.message : String(err)}`);
  }
}
