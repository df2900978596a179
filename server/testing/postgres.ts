import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './serverProcess';

/**
 * A real PostgreSQL server (Debian's postgresql package) for tests: a fresh
 * cluster made by initdb in a temp folder, listening on a loopback port of its
 * own and on a Unix socket in that folder, stopped and removed by stop().
 *
 * PostgreSQL refuses to run as root and CI runs as root, so as root the
 * cluster belongs to `nobody` (initdb and postgres are spawned with its uid
 * and gid; the folder is given to it); as a normal user it is that user's.
 * fsync is off: these clusters hold test data only, and a crash test kills a
 * Tessera node, never the database. A benchmark asks for { durable: true }
 * (fsync and full-page writes on, as a deployment runs), so its numbers hold.
 */

export const DATABASE = 'tessera';
export const ROLE = 'tessera';
/** The role's password (scram-sha-256 over TCP, as a deployment would have it). */
export const PASSWORD = 'postgres test password 2026';

/** Debian installs the server binaries per major version: the newest present. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** Whether this machine can run the PostgreSQL tests. */
export function postgresAvailable(): boolean {
  return postgresBinDir() !== null;
}

export interface TestPostgres {
  /** postgres://tessera:…@127.0.0.1:port/tessera */
  url: string;
  host: string;
  port: number;
  /** The temp folder holding the cluster and its socket (removed by stop). */
  dir: string;
  /** The postmaster's pid (its children are the sessions); changes with resume(). */
  pid(): number;
  /** A new database in this cluster (for a test that needs an empty one); its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server but keeps the cluster: a database that cannot be reached, until resume(). */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port, with the same data; resolves once it answers. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** fsync and full-page writes on (default off: test data only). */
  durable?: boolean;
  /** More server settings, each passed as `-c name=value` (e.g. shared_preload_libraries). */
  settings?: Record<string, string>;
}

const NOBODY = 65534;

/** The uid/gid to run PostgreSQL as: nobody when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

function urlOf(host: string, port: number, database: string): string {
  return `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@${host}:${port}/${database}`;
}

async function waitForServer(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a fresh cluster with database `tessera` owned by role `tessera`; resolves once it answers. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const owner = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pg-'));
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if ('uid' in owner) {
    fs.chownSync(dir, owner.uid, owner.gid);
    fs.chownSync(pwfile, owner.uid, owner.gid);
  }
  execFileSync(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', ROLE, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'],
    { ...owner, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  fs.rmSync(pwfile);

  const host = '127.0.0.1';
  const port = await freePort(host);
  const durability = options.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off'];
  const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  let output = '';
  let child!: ChildProcess;
  const spawnServer = (): void => {
    child = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        `listen_addresses=${host}`,
        '-c',
        `unix_socket_directories=${dir}`,
        ...durability,
        '-c',
        'max_connections=200',
        ...settings,
      ],
      { ...owner, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  };
  spawnServer();

  const halt = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT'); // fast shutdown: rolls back open transactions, closes connections
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  const stop = async (): Promise<void> => {
    await halt();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForServer(urlOf(host, port, 'postgres'), child, () => output);
    const admin = new pg.Client({ connectionString: urlOf(host, port, 'postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url: urlOf(host, port, DATABASE),
    host,
    port,
    dir,
    pid: () => child.pid ?? 0,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const admin = new pg.Client({ connectionString: urlOf(host, port, 'postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name} OWNER ${ROLE}`);
      } finally {
        await admin.end();
      }
      return urlOf(host, port, name);
    },
    halt,
    async resume(): Promise<void> {
      await halt();
      spawnServer();
      await waitForServer(urlOf(host, port, 'postgres'), child, () => output);
    },
    stop,
  };
}
