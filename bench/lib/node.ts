/**
 * A Tessera node for a bench: `serve` in its own process (the one spawner,
 * server/testing/serverProcess.ts) with an environment of the bench's choosing
 * (a database URL, a shared audit anchor, which PostgreSQL client), killed at
 * exit if the bench crashes.
 */
import { childEnv, runTessera, startServeProcess, type CliOutput } from '../../server/testing/serverProcess.js';
import { onCleanup } from './cleanup.js';
import type { ServerHandle } from './server.js';
import { readMemoryStatus } from './server.js';

/** The child environment: the caller's, no master key or data folder from the shell, plus `extra`. */
export function nodeEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return childEnv({ TESSERA_DATA: dataDir, ...extra });
}

export function runCliWith(args: string[], env: NodeJS.ProcessEnv): Promise<CliOutput> {
  return runTessera(args, { env, timeoutMs: 120_000 });
}

export async function startNode(dataDir: string, env: NodeJS.ProcessEnv): Promise<ServerHandle> {
  const p = await startServeProcess({ dataDir, env, readyTimeoutMs: 60_000 });
  const unregister = onCleanup(() => p.child.kill('SIGKILL'));
  return {
    baseUrl: p.url,
    pid: p.pid,
    memory: () => readMemoryStatus(p.pid),
    logs: p.logs,
    stop: async () => {
      await p.stop();
      unregister();
    },
  };
}
