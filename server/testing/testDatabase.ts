import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Which backend the integration tests run on. `npm run test:unit` runs the
 * suite on SQLite, then the REST and multi-node suites again on PostgreSQL
 * (vitest.postgres.config.ts), whose global setup starts one real cluster
 * (server/testing/postgres.ts) and sets TESSERA_TEST_POSTGRES_URL to its
 * maintenance database. Each test server then gets a database of its own.
 */
export const TEST_POSTGRES_ENV = 'TESSERA_TEST_POSTGRES_URL';

export function testBackend(): 'sqlite' | 'postgres' {
  return process.env[TEST_POSTGRES_ENV] ? 'postgres' : 'sqlite';
}

/** A fresh, empty database in the test cluster: its URL; undefined on the SQLite run. */
export async function freshTestDatabase(): Promise<string | undefined> {
  const admin = process.env[TEST_POSTGRES_ENV];
  if (!admin) return undefined;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database freshTestDatabase made (its connections are ended first). */
export async function dropTestDatabase(url: string): Promise<void> {
  const admin = process.env[TEST_POSTGRES_ENV];
  if (!admin) return;
  const name = new URL(url).pathname.slice(1);
  if (!/^t_[0-9a-f]{12}$/.test(name)) throw new Error(`not a test database: ${name}`);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
