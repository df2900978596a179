import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one way tests, e2e and bench run Tessera as a real process:
 * `node --import tsx server/cli/main.ts …` (node itself, not npx, so the pid
 * held is the server: signals reach its own handlers and /proc/<pid>
 * describes its memory). `startServeProcess` runs `serve` on a free loopback
 * port and resolves once it prints "listening on" or answers /healthz.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `tessera` command line. */
export const CLI_ENTRY = path.join(REPO_ROOT, 'server', 'cli', 'main.ts');
const TAIL_LIMIT = 8_000;

/** A free TCP port on `host` (asked of the OS, then released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` (SIGTERM), then SIGKILL if the process is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

/** The environment for a child Tessera: the caller's, without a master key or data folder from the developer's shell. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TESSERA_MASTER_KEY; // a fresh data dir gets its own key file
  delete env.TESSERA_DATA;
  return { ...env, ...extra };
}

export interface SpawnOptions {
  /** Node flags before the entry (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another entry than server/cli/main.ts (a built server, a stub). */
  entry?: string;
  /** The whole environment of the child (default childEnv()). */
  env?: NodeJS.ProcessEnv;
}

/** Spawns the CLI with `args`, stdin ignored, stdout/stderr piped. */
export function spawnTessera(args: string[], opts: SpawnOptions = {}): ChildProcess {
  const argv = [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.entry ?? CLI_ENTRY, ...args];
  return spawn(process.execPath, argv, { cwd: REPO_ROOT, env: opts.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion; rejects with its stderr on a non-zero exit. */
export function runTessera(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<CliOutput> {
  return new Promise((resolve, reject) => {
    const child = spawnTessera(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const why = signal === null ? `exit ${String(code)}` : `signal ${signal}`;
      reject(new Error(`tessera ${args.join(' ')} failed (${why}): ${stderr.trim() || stdout.trim()}`));
    });
  });
}

export interface ServeOptions extends SpawnOptions {
  dataDir: string;
  host?: string;
  /** Default: a free port. */
  port?: number;
  /** Every byte of output is also written here (e2e keeps the server's log). */
  logFile?: string;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  /** Ready only when GET /healthz answers {"ok":true}, not at the "listening on" line (e2e). */
  waitForHealth?: boolean;
  /** A shared PostgreSQL database (`--database URL`) instead of the data folder's SQLite file: one node of several. */
  databaseUrl?: string;
  /** The master key every node of one database shares (TESSERA_MASTER_KEY, 64 hex), added to the environment. */
  masterKey?: string;
}

export interface ServeProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The one-time setup link, when `serve` printed one at start. */
  setupUrl(): string | undefined;
  /** The last output (both streams), for error reports. */
  logs(): string;
  /** Stops it (SIGTERM, or `signal`; SIGKILL after 5 s) and resolves with how it exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && ((await res.json()) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

/** Starts `tessera serve` in its own process and waits until it answers. */
export async function startServeProcess(opts: ServeOptions): Promise<ServeProcess> {
  const entry = opts.entry ?? CLI_ENTRY;
  if (!fs.existsSync(path.resolve(REPO_ROOT, entry))) throw new Error(`${path.relative(REPO_ROOT, entry)} does not exist, so there is no server to start`);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const env = { ...(opts.env ?? childEnv({ TESSERA_DATA: opts.dataDir })), ...(opts.masterKey !== undefined ? { TESSERA_MASTER_KEY: opts.masterKey } : {}) };
  const database = opts.databaseUrl !== undefined ? ['--database', opts.databaseUrl] : [];
  const child = spawnTessera(['serve', '--data', opts.dataDir, '--host', host, '--port', String(port), ...database], { ...opts, env });
  if (child.pid === undefined) throw new Error('could not spawn the server process');
  const pid = child.pid;
  let log: fs.WriteStream | null = null;
  if (opts.logFile) {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    log = fs.createWriteStream(opts.logFile);
  }

  let url = `http://${host}:${port}`;
  let setupUrl: string | undefined;
  let output = '';
  let lastOutputAt = Date.now();
  let listening = false;
  // Always drain both pipes: a chatty server must never block on a full pipe.
  const onData = (chunk: Buffer) => {
    lastOutputAt = Date.now();
    log?.write(chunk);
    output = (output + chunk.toString('utf8')).slice(-TAIL_LIMIT);
    const m = /listening on (https?:\/\/\S+)/.exec(output);
    if (m) {
      url = m[1]!.replace(/\/+$/, '');
      listening = true;
    }
    const setup = /(https?:\/\/\S+\/setup\?token=\S+)/.exec(output);
    if (setup) setupUrl = setup[1];
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let failed: string | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  child.once('error', (err) => {
    failed = err.message;
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (exit === null && failed === null) await stopPid(pid, 5000, signal);
    const how = failed === null ? await exited : { code: null, signal: null };
    if (log) await new Promise<void>((r) => log!.end(r));
    return how;
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== null || failed !== null) {
      const why = failed ?? (exit!.signal ? `signal ${exit!.signal}` : `exit code ${exit!.code}`);
      await stop();
      throw new Error(`the Tessera server stopped before it was ready (${why}). Its output:\n${output}`);
    }
    if ((listening && !opts.waitForHealth) || (await healthy(url))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Tessera server was not ready at ${url} within ${timeoutMs / 1000} s. Its output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // `serve` may print the setup link just after it starts listening: let its output settle (≤ 1.5 s).
  const settleUntil = Date.now() + 1500;
  while (Date.now() - lastOutputAt < 250 && Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 50));
  return { url, port, pid, child, setupUrl: () => setupUrl, logs: () => output, stop };
}
