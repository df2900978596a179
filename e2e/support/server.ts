import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `tessera` command line; `serve` runs the server and the console headless. */
export const CLI_ENTRY = path.join(REPO_ROOT, 'server', 'cli', 'main.ts');

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

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Sends SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

/**
 * Starts a real Tessera server as a child process:
 * `node --import tsx server/cli/main.ts serve --data DIR --port P`, on a
 * free loopback port, and resolves once GET /healthz answers `{"ok":true}`.
 * Its stdout and stderr go to `logFile`.
 */
export async function startServerProcess(opts: { dataDir: string; logFile: string; port?: number; timeoutMs?: number }): Promise<ServerProcess> {
  if (!fs.existsSync(CLI_ENTRY)) throw new Error(`e2e: ${path.relative(REPO_ROOT, CLI_ENTRY)} does not exist, so there is no server to test`);
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.createWriteStream(opts.logFile);
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_DATA: opts.dataDir };
  delete env.TESSERA_MASTER_KEY; // a fresh data dir gets its own key file
  const args = ['--import', 'tsx', CLI_ENTRY, 'serve', '--data', opts.dataDir, '--port', String(port)];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

  let url = `http://127.0.0.1:${port}`;
  let setupUrl: string | undefined;
  let output = '';
  let lastOutputAt = Date.now();
  const onData = (chunk: Buffer) => {
    lastOutputAt = Date.now();
    log.write(chunk);
    output += chunk.toString('utf8');
    const listening = /listening on (https?:\/\/\S+)/.exec(output);
    if (listening) url = listening[1]!.replace(/\/+$/, '');
    const setup = /(https?:\/\/\S+\/setup\?token=\S+)/.exec(output);
    if (setup) setupUrl = setup[1];
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    exited = err.message;
  });

  const stop = async () => {
    if (child.pid !== undefined && exited === null) await stopPid(child.pid);
    await new Promise<void>((r) => log.end(r));
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`e2e: the Tessera server stopped before it answered /healthz (${exited}). Its output:\n${tail(opts.logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { ok?: unknown }).ok === true) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`e2e: the Tessera server did not answer ${url}/healthz within ${(opts.timeoutMs ?? 60_000) / 1000} s. Its output:\n${tail(opts.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // `serve` may print the setup link just after it starts listening: let its output settle (≤ 1.5 s).
  const settleUntil = Date.now() + 1500;
  while (Date.now() - lastOutputAt < 250 && Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 50));
  return { url, port, dataDir: opts.dataDir, child, logFile: opts.logFile, ...(setupUrl ? { setupUrl } : {}), stop };
}
