/**
 * Run the Tessera CLI and server as child processes for a benchmark.
 *
 * Children are started as `node --import tsx server/cli/main.ts ...` (not via
 * npx/tsx wrappers) so the pid we hold is the server itself: signals reach it
 * directly and /proc/<pid>/status describes its memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { freePort } from './port.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** BENCH_CLI_ENTRY overrides the entry (e.g. a built server, or a stub for testing the bench). */
const CLI_ENTRY = process.env.BENCH_CLI_ENTRY ?? 'server/cli/main.ts';
const TAIL_LIMIT = 8_000;

function cliArgv(args: string[], nodeArgs: string[] = []): string[] {
  return [...nodeArgs, '--import', 'tsx', CLI_ENTRY, ...args];
}

/** Extra node flags for the server process only, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

/** Keeps the last TAIL_LIMIT characters of a stream (enough for error reports). */
class Tail {
  private text = '';
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-TAIL_LIMIT);
  }
  toString(): string {
    return this.text;
  }
}

export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** Run one CLI command to completion; rejects with its stderr on a non-zero exit. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<CliOutput> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, cliArgv(args), {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const why = signal === null ? `exit ${String(code)}` : `signal ${signal}`;
      reject(new Error(`cli ${args.join(' ')} failed (${why}): ${stderr.trim() || stdout.trim()}`));
    });
  });
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

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise(true);
    });
  });
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Ready when the server prints "listening on <baseUrl>" (either stream) or,
 * as a fallback, when GET /healthz answers 2xx.
 */
function waitReady(child: ChildProcess, baseUrl: string, output: Tail, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const marker = `listening on ${baseUrl}`;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err === undefined) resolvePromise();
      else reject(err);
    };
    const onData = (): void => {
      if (output.toString().includes(marker)) finish();
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish(new Error(`server exited before ready (code ${String(code)}, signal ${String(signal)}):\n${output.toString()}`));
    };
    const timer = setTimeout(
      () => finish(new Error(`server not ready after ${timeoutMs} ms:\n${output.toString()}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      void healthy(baseUrl).then((ok) => ok && finish());
    }, 500);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Start `serve` in its own process and wait until it accepts requests. */
export async function startServer(opts: StartOptions): Promise<ServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const baseUrl = `http://${host}:${port}`;
  const child = spawn(
    process.execPath,
    cliArgv(['serve', '--data', opts.dataDir, '--host', host, '--port', String(port)], serverNodeArgs()),
    { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the server process');
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  const output = new Tail();
  // Always drain both pipes: a chatty server must never block on a full pipe.
  child.stdout.setEncoding('utf8').on('data', (s: string) => output.push(s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => output.push(s));

  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    unregister();
  };

  try {
    await waitReady(child, baseUrl, output, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, pid, memory: () => readMemoryStatus(pid), logs: () => output.toString(), stop };
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
