import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, postgresAvailable, startPostgres, type TestPostgres } from '../testing/postgres';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';
import { childEnv, runTessera } from '../testing/serverProcess';
import { run, tempDir, type CliRun } from './testkit';

/**
 * Issue 17: the CLI on a shared PostgreSQL database. The first node's init
 * makes the schema, the keys and this node's key file; a second node joins
 * with a copy of that key and is refused with any other (or none). The
 * password in the URL shows nowhere. Runs on the PostgreSQL test cluster
 * when there is one, else on a cluster of its own; skipped without PostgreSQL.
 */

const available = testBackend() === 'postgres' || postgresAvailable();
if (!available) console.warn('server/cli/postgres.test.ts skipped: PostgreSQL is not installed (apt-get install postgresql)');

let cluster: TestPostgres | null = null;
const databases: string[] = [];
const dirs: string[] = [];
let counter = 0;

/** An empty database of its own for each test. */
async function freshDatabase(): Promise<string> {
  if (testBackend() === 'postgres') {
    const url = (await freshTestDatabase())!;
    databases.push(url);
    return url;
  }
  cluster ??= await startPostgres();
  return cluster.createDatabase(`cli_${process.pid}_${++counter}`);
}

function dataDir(): string {
  const d = tempDir('tessera-cli-pg-');
  dirs.push(d);
  return path.join(d, 'node');
}

const outputs: CliRun[] = [];
/** Runs the CLI and keeps its output, so the last test can check no run ever printed the password. */
async function cli(argv: string[], opts: Parameters<typeof run>[1] = {}): Promise<CliRun> {
  const r = await run(argv, opts);
  outputs.push(r);
  return r;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const url of databases) await dropTestDatabase(url);
  await cluster?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!available)('the CLI on PostgreSQL', () => {
  it('init: schema and keys in the database, the master key and a setup link on this node, the URL masked', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const data = dataDir();
    const r = await cli(['init', '--data', data, '--database', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const masked = url.replace(/:[^:@/]*@/, ':***@');
    expect(r.stdout).toContain(`Initialised the PostgreSQL database ${masked}`);
    expect(r.stdout).toContain(`Created master key ${path.join(data, 'master.key')}`);
    expect(r.stdout).toMatch(/\/setup\?token=[A-Za-z0-9_-]+/);
    expect(r.stdout).toContain('Start the server first: tessera serve --database URL');
    expect(fs.statSync(path.join(data, 'master.key')).mode & 0o777).toBe(0o600);
    // No SQLite file beside it: the data lives in PostgreSQL.
    expect(fs.existsSync(path.join(data, 'tessera.db'))).toBe(false);
    expect(await query<{ n: string }>(url, 'SELECT count(*) AS n FROM data_keys')).toEqual([{ n: '1' }]);
    expect(await query<{ n: string }>(url, 'SELECT count(*) AS n FROM setup_tokens')).toEqual([{ n: '1' }]);

    // Rerun: reports what exists, writes nothing new.
    const again = await cli(['init', '--data', data, '--database', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Already initialised: the database ${masked}`);
    expect(await query<{ n: string }>(url, 'SELECT count(*) AS n FROM data_keys')).toEqual([{ n: '1' }]);
  });

  it("a second node joins with a copy of the first node's key; what one writes the other reads", { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const first = dataDir();
    expect((await cli(['init', '--data', first, '--database', url])).code).toBe(0);
    const second = dataDir();
    fs.mkdirSync(second, { mode: 0o700 });
    fs.copyFileSync(path.join(first, 'master.key'), path.join(second, 'master.key'));
    fs.chmodSync(path.join(second, 'master.key'), 0o600);
    const join = await cli(['init', '--data', second, '--database', url]);
    expect(join.stderr).toBe('');
    expect(join.code).toBe(0);
    expect(join.stdout).toContain('Already initialised: the database');
    expect(join.stdout).toContain(`opened with the master key ${path.join(second, 'master.key')}`);

    // TESSERA_DATABASE_URL does what --database does.
    const made = await cli(['apikey', 'create', '--name', 'from-node-2', '--scopes', 'verify', '--data', second], { env: { TESSERA_DATABASE_URL: url } });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const listed = await cli(['apikey', 'list', '--data', first, '--database', url]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('from-node-2');
    // The same key by environment joins too.
    const key = fs.readFileSync(path.join(first, 'master.key'), 'utf8').trim();
    const third = dataDir();
    const byEnv = await cli(['init', '--data', third, '--database', url], { env: { TESSERA_MASTER_KEY: key } });
    expect(byEnv.code).toBe(0);
    expect(fs.existsSync(path.join(third, 'master.key'))).toBe(false);
  });

  it('a second node with another key, or none, is refused and writes no key', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const first = dataDir();
    expect((await cli(['init', '--data', first, '--database', url])).code).toBe(0);
    const keysBefore = await query(url, 'SELECT version, wrapped FROM data_keys ORDER BY version');

    const none = dataDir();
    const r1 = await cli(['init', '--data', none, '--database', url]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('is already initialised by another node, and this node has no master key');
    expect(r1.stderr).toContain(`copy the first node's master key file to ${path.join(none, 'master.key')}`);
    expect(r1.stderr).toContain('TESSERA_MASTER_KEY');
    expect(fs.existsSync(path.join(none, 'master.key'))).toBe(false);

    const other = randomBytes(32).toString('hex');
    const r2 = await cli(['init', '--data', dataDir(), '--database', url], { env: { TESSERA_MASTER_KEY: other } });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('The master key in TESSERA_MASTER_KEY does not open the database');

    // A key file of another node (its own, from its own database) is refused the same way, and left as it was.
    const stray = dataDir();
    fs.mkdirSync(stray, { mode: 0o700 });
    fs.writeFileSync(path.join(stray, 'master.key'), `${other}\n`, { mode: 0o600 });
    const r3 = await cli(['init', '--data', stray, '--database', url]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain(`The master key in ${path.join(stray, 'master.key')} does not open the database`);
    expect(fs.readFileSync(path.join(stray, 'master.key'), 'utf8').trim()).toBe(other);
    // serve and the other commands refuse it too, before anything starts.
    const r4 = await cli(['serve', '--port', '0', '--data', stray, '--database', url]);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain('does not open the database');
    const r5 = await cli(['apikey', 'list', '--data', none, '--database', url]);
    expect(r5.code).toBe(1);
    expect(r5.stderr).toContain('this node has no master key');

    expect(await query(url, 'SELECT version, wrapped FROM data_keys ORDER BY version')).toEqual(keysBefore);
  });

  it('two first nodes at once (two processes): one initialises, the other is refused and keeps no key', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const dirsOf = [dataDir(), dataDir()];
    const results = await Promise.allSettled(dirsOf.map((d) => runTessera(['init', '--data', d, '--database', url], { env: childEnv() })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won.length, results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('\n')).toBeGreaterThanOrEqual(1);
    const keys = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM data_keys');
    expect(keys).toEqual([{ n: '1' }]);
    // Whoever lost (if they overlapped) says what to do and kept no key; whoever won has the key that opens the database.
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        expect(String(r.reason)).toMatch(/initialised (the database .* at the same moment|by another node)/);
        expect(String(r.reason)).not.toContain(PASSWORD);
        expect(fs.existsSync(path.join(dirsOf[i]!, 'master.key'))).toBe(false);
      } else {
        expect(fs.existsSync(path.join(dirsOf[i]!, 'master.key'))).toBe(true);
      }
    }
    if (won.length === 2) {
      // Not overlapping after all: the second saw the first's keys — possible only if it brought the same key, which it cannot have.
      throw new Error('both inits succeeded with keys of their own');
    }
    const winner = dirsOf[won[0]!]!;
    const listed = await cli(['apikey', 'list', '--data', winner, '--database', url]);
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('migrate: from version 0 to the latest on an empty database, then up to date; other commands do not make a schema', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const data = dataDir();
    const refused = await cli(['apikey', 'list', '--data', data, '--database', url], { env: { TESSERA_MASTER_KEY: randomBytes(32).toString('hex') } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('No Tessera data in the database');
    expect(await query(url, "SELECT to_regclass('tessera_migrations') AS t")).toEqual([{ t: null }]);

    const r = await cli(['migrate', '--data', data, '--database', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^Migrated the schema from version 0 to (\d+) \(PostgreSQL, postgres:\/\/tessera:\*\*\*@/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const latest = Number(m![1]);
    expect(latest).toBeGreaterThan(0);
    const recorded = await query<{ v: number }>(url, 'SELECT max(version) AS v FROM tessera_migrations');
    expect(recorded).toEqual([{ v: latest }]);
    const again = await cli(['migrate', '--data', data, '--database', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Schema already up to date: version ${latest} (PostgreSQL`);
    // migrate needs no key and makes none.
    expect(fs.existsSync(path.join(data, 'master.key'))).toBe(false);
  });

  it('a refused password, and every run above: the password never shows', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    const wrong = url.replace(/:([^:@/]*)@/, `:${encodeURIComponent('wrong password 4567')}@`);
    const r = await cli(['init', '--data', dataDir(), '--database', wrong]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('password authentication failed');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'wrong password 4567', encodeURIComponent('wrong password 4567')]) {
      for (const o of outputs) {
        expect(o.stdout).not.toContain(secret);
        expect(o.stderr).not.toContain(secret);
      }
    }
    expect(outputs.length).toBeGreaterThan(10);
  });
});
