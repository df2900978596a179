import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, ROLE, startPostgres, type TestPostgres } from './postgres';

/**
 * The PostgreSQL the multi-node tests run on (issue 17): a real server started
 * here, as root in CI (the cluster is nobody's) and as a normal user elsewhere.
 */

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the test PostgreSQL', () => {
  it('answers on loopback with the tessera role and database, over scram-sha-256', async () => {
    const [row] = await query<{ who: string; db: string; auth: string | null }>(
      server.url,
      "SELECT current_user AS who, current_database() AS db, (SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1) AS auth",
    );
    expect(row).toEqual({ who: ROLE, db: 'tessera', auth: 'scram-sha-256' });
    expect(server.url).toMatch(/^postgres:\/\/tessera:.+@127\.0\.0\.1:\d+\/tessera$/);
  });

  it('refuses a wrong password', async () => {
    const wrong = server.url.replace(encodeURIComponent(PASSWORD), 'not-the-password');
    await expect(query(wrong, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('makes further empty databases', async () => {
    const url = await server.createDatabase('second_node_test');
    const [row] = await query<{ n: string }>(url, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(row?.n).toBe('0');
    await expect(server.createDatabase('bad; DROP')).rejects.toThrow(/not a plain database name/);
  });

  it('stops and leaves nothing behind', async () => {
    const other = await startPostgres();
    expect(fs.statSync(other.dir).uid).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
    await other.stop();
    expect(fs.existsSync(other.dir)).toBe(false);
    await expect(query(other.url, 'SELECT 1')).rejects.toThrow();
  }, 60_000);
});
