import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, postgresBinDir, startPostgres, type TestPostgres } from '../../testing/postgres';
import { Db } from '../db';
import { rawConnection } from '../testing';
import { loadLibpq } from './libpqClient';

/**
 * The PostgreSQL engine on a real cluster, through both synchronous clients:
 * libpq (when the optional addon is built) and `pg` in a worker thread.
 */
const HOLD_LOCK_SQL =
  "BEGIN; LOCK TABLE tessera_write_lock IN EXCLUSIVE MODE; INSERT INTO settings (key, value) VALUES ('held', 'by another node'); SELECT pg_sleep(1.5); COMMIT;";

/** Whether a session other than `db`'s own holds the write lock. */
function lockHeldByOther(db: Db): boolean {
  const row = rawConnection(db)
    .prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE c.relname = 'tessera_write_lock' AND l.mode = 'ExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid()`,
    )
    .get();
  return (row?.n ?? 0) > 0;
}

function dbUrl(db: Db): string {
  return db.location;
}

const clients = [...(loadLibpq() ? (['libpq'] as const) : []), 'thread'] as const;

describe.skipIf(!postgresAvailable())('the PostgreSQL engine (issue 17)', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  let n = 0;
  async function openPair(client: string): Promise<[Db, Db]> {
    const url = await cluster.createDatabase(`engine_${client}_${++n}`);
    const before = process.env.TESSERA_PG_CLIENT;
    process.env.TESSERA_PG_CLIENT = client;
    try {
      return [Db.postgres(url), Db.postgres(url)];
    } finally {
      if (before === undefined) delete process.env.TESSERA_PG_CLIENT;
      else process.env.TESSERA_PG_CLIENT = before;
    }
  }

  for (const client of clients) {
    describe(`through ${client}`, () => {
      it('gives values back as SQLite does: bytea as Buffer, int8 as number, NULL as null', async () => {
        const [db, other] = await openPair(client);
        try {
          const c = rawConnection(db);
          const bytes = Buffer.from([0, 1, 254, 255]);
          const row = c
            .prepare<[Buffer, number, null, string], { b: Buffer; n: number; z: null; t: string }>(
              'SELECT ?::bytea AS b, ?::bigint AS n, ?::text AS z, ?::text AS t',
            )
            .get(bytes, 9_007_199_254_740_991, null, "it's ? and @x")!;
          expect(Buffer.isBuffer(row.b)).toBe(true);
          expect(row.b.equals(bytes)).toBe(true);
          expect(row.n).toBe(9_007_199_254_740_991);
          expect(row.z).toBeNull();
          expect(row.t).toBe("it's ? and @x");
          expect(c.prepare<[], { n: number }>('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
          // A filter that added no condition passes its (empty) named parameters to a statement with none, as better-sqlite3 allows.
          expect(c.prepare<Record<string, unknown>, { n: number }>('SELECT count(*) AS n FROM settings').get({})).toEqual({ n: 0 });
          expect(db.schemaVersion()).toBeGreaterThanOrEqual(1);
          const empty = Db.postgres(await cluster.createDatabase(`empty_${client}_${++n}`), { migrate: false });
          expect(empty.schemaVersion()).toBe(0);
          empty.close();
        } finally {
          db.close();
          other.close();
        }
      });

      it.runIf(client === 'libpq')("takes libpq's multi-host URL: the first host down, the second answers", async () => {
        const url = new URL(await cluster.createDatabase(`multi_${++n}`));
        const multi = `postgres://${url.username}:${url.password}@127.0.0.1:1,${url.host}${url.pathname}?target_session_attrs=read-write`;
        const db = Db.postgres(multi);
        try {
          expect(rawConnection(db).prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
        } finally {
          db.close();
        }
      });

      it('commits a tx whole, rolls one back whole, and a failing nested tx alone', async () => {
        const [db, other] = await openPair(client);
        try {
          const c = rawConnection(db);
          const insert = c.prepare<{ k: string; v: string }>('INSERT INTO settings (key, value) VALUES (@k, @v)');
          db.tx(() => insert.run({ k: 'a', v: '1' }));
          expect(() =>
            db.tx(() => {
              insert.run({ k: 'b', v: '2' });
              throw new Error('boom');
            }),
          ).toThrow('boom');
          db.tx(() => {
            insert.run({ k: 'c', v: '3' });
            // A duplicate key fails inside a savepoint; the outer transaction goes on.
            expect(() => db.tx(() => insert.run({ k: 'a', v: 'again' }))).toThrow(/duplicate key/);
            insert.run({ k: 'd', v: '4' });
          });
          const keys = rawConnection(other).prepare<[], { key: string }>('SELECT key FROM settings ORDER BY key').all();
          expect(keys.map((r) => r.key)).toEqual(['a', 'c', 'd']);
          expect(c.prepare<[string, string]>('UPDATE settings SET value = ? WHERE key = ?').run('9', 'a')).toEqual({ changes: 1 });
        } finally {
          db.close();
          other.close();
        }
      });

      it("counts other connections' commits in dataVersion, not its own", async () => {
        const [db, other] = await openPair(client);
        try {
          const write = (d: Db, v: string) =>
            rawConnection(d)
              .prepare<[string]>("INSERT INTO settings (key, value) VALUES ('k', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
              .run(v);
          const seen = other.dataVersion();
          write(db, '1');
          const deadline = Date.now() + 5_000;
          while (other.dataVersion() === seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          expect(other.dataVersion()).toBeGreaterThan(seen);
          const own = db.dataVersion();
          write(db, '2');
          await new Promise((r) => setTimeout(r, 200));
          expect(db.dataVersion()).toBe(own);
        } finally {
          db.close();
          other.close();
        }
      });

      it("makes a write transaction wait for another node's, then see its commit (the cluster write lock)", async () => {
        const [db, other] = await openPair(client);
        const url = await cluster.createDatabase(`unused_${client}_${++n}`).then(() => dbUrl(db));
        try {
          // Another node (psql, its own process) takes the write lock, writes, and holds it for 1.5 s.
          const holder = spawn(path.join(postgresBinDir()!, 'psql'), [url, '-v', 'ON_ERROR_STOP=1', '-c', HOLD_LOCK_SQL], { stdio: 'ignore' });
          const exited = new Promise<number | null>((r) => holder.once('exit', r));
          const deadline = Date.now() + 10_000;
          while (!lockHeldByOther(other) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          expect(lockHeldByOther(other)).toBe(true);
          const c = rawConnection(db);
          // This transaction waits for the lock; once it has it, it sees the holder's row.
          const seen = db.tx(() => c.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'held'").get());
          expect(seen).toEqual({ value: 'by another node' });
          expect(await exited).toBe(0);
        } finally {
          db.close();
          other.close();
        }
      });

      it('reconnects after the server ended its session (saying the connection was lost when a call saw it)', async () => {
        const [db, other] = await openPair(client);
        try {
          const c = rawConnection(db);
          const pid = c.prepare<[], { pid: number }>('SELECT pg_backend_pid() AS pid').get()!.pid;
          rawConnection(other).prepare<[number]>('SELECT pg_terminate_backend(?)').get(pid);
          // The first call may fail (libpq learns of the end only then) or already reconnect (the thread heard it close).
          try {
            c.prepare('SELECT 1 AS one').get();
          } catch (err) {
            // A lost connection is the stable database_unavailable (503), not an internal error.
            expect(err).toMatchObject({ code: 'database_unavailable', message: expect.stringMatching(/cannot be reached/) });
          }
          expect(c.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
          expect(c.prepare<[], { pid: number }>('SELECT pg_backend_pid() AS pid').get()!.pid).not.toBe(pid);
        } finally {
          db.close();
          other.close();
        }
      });
    });
  }
});

describe('withConnectionLimits', () => {
  it("adds libpq's timeouts as text, keeping a multi-host URL and a password's escapes as they were", async () => {
    const { withConnectionLimits } = await import('./libpqClient');
    const multi = 'postgres://u:p%20w@h1:5432,h2:5433/db?target_session_attrs=read-write';
    const out = withConnectionLimits(multi);
    expect(out.startsWith(`${multi}&connect_timeout=10&`)).toBe(true);
    expect(out).toContain('tcp_user_timeout=20000');
    expect(withConnectionLimits('postgres://h/db')).toMatch(/^postgres:\/\/h\/db\?connect_timeout=10&keepalives=1&/);
    // What the operator set stays theirs.
    expect(withConnectionLimits('postgres://h/db?connect_timeout=3')).not.toMatch(/connect_timeout=10/);
  });
});
