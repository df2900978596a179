/**
 * Run the Tessera CLI and server as child processes for a benchmark, through
 * the one process spawner (server/testing/serverProcess.ts): the pid held is
 * the server itself, so signals reach it and /proc/<pid>/status describes its memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera, startServeProcess, type CliOutput } from '../../server/testing/serverProcess.js';
import { onCleanup } from './cleanup.js';

export { REPO_ROOT, type CliOutput } from '../../server/testing/serverProcess.js';
/** BENCH_CLI_ENTRY overrides the entry (e.g. a built server, or a stub for testing the bench). */
const CLI_ENTRY = process.env.BENCH_CLI_ENTRY;
const entry = CLI_ENTRY ? { entry: CLI_ENTRY } : {};

/** Extra node flags for the server process only, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

/** Run one CLI command to completion; rejects with its stderr on a non-zero exit. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<CliOutput> {
  return runTessera(args, { ...entry, env: process.env, timeoutMs });
}

export async function initDataDir(dataDir: string): Promise<void> {
  await runCli(['init', '--data', dataDir]);
}

/** `apikey create` prints the key as the last line of stdout. */
export async function createApiKey(dataDir: string, name: string, scopes: string[]): Promise<string> {
  const { stdout } = await runCli(['apikey', 'create', '--name', name, '--scopes', scopes.join(','), '--data', dataDir]);
  const lines = stdout.trim().split('\n');
  const key = (lines[lines.length - 1] ?? '').trim();
  if (!key.startsWith('tsk_')) {
    throw new Error(`apikey create: expected a tsk_ key as the last stdout line, got: ${JSON.stringify(stdout)}`);
  }
  return key;
}

/** Make a temp data dir that is removed at exit even if the bench crashes. */
export async function makeTempDataDir(prefix = 'tessera-bench-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const unregister = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    remove: async () => {
      unregister();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface MemoryStatus {
  /** Peak resident set size (VmHWM), kB. */
  peakRssKb: number;
  /** Current resident set size (VmRSS), kB. */
  rssKb: number;
}

/** Read VmHWM/VmRSS of a live process from /proc (Linux only). */
export function readMemoryStatus(pid: number): MemoryStatus | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]);
  };
  return { peakRssKb: field('VmHWM'), rssKb: field('VmRSS') };
}

export interface ServerHandle {
  baseUrl: string;
  pid: number;
  memory(): MemoryStatus | undefined;
  /** Output tail, for error reports. */
  logs(): string;
  stop(): Promise<void>;
}

interface StartOptions {
  dataDir: string;
  host?: string;
  port?: number;
  readyTimeoutMs?: number;
}

/** Start `serve` in its own process and wait until it accepts requests. */
export async function startServer(opts: StartOptions): Promise<ServerHandle> {
  const p = await startServeProcess({
    ...entry,
    dataDir: opts.dataDir,
    env: process.env,
    nodeArgs: serverNodeArgs(),
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
  const unregister = onCleanup(() => p.child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    await p.stop();
    unregister();
  };
  return { baseUrl: p.url, pid: p.pid, memory: () => readMemoryStatus(p.pid), logs: p.logs, stop };
}

export interface BenchServer {
  server: ServerHandle;
  apiKey: string;
  dataDir: string;
}

/**
 * Fresh temp data dir + init + API key + running server for the duration of fn;
 * everything is torn down afterwards, also when fn throws.
 */
export async function withBenchServer<T>(scopes: string[], fn: (ctx: BenchServer) => Promise<T>): Promise<T> {
  const data = await makeTempDataDir();
  try {
    await initDataDir(data.dir);
    const apiKey = await createApiKey(data.dir, 'bench', scopes);
    const server = await startServer({ dataDir: data.dir });
    try {
      return await fn({ server, apiKey, dataDir: data.dir });
    } finally {
      await server.stop();
    }
  } finally {
    await data.remove();
  }
}
