import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test cluster's maintenance database (postgresGlobalSetup.ts), on the PostgreSQL project only. */
    testPostgresUrl: string;
  }
}

/**
 * Which backend the integration tests run on. `npm run test:unit` runs two
 * vitest projects (vitest.config.ts): everything on SQLite, and the REST and
 * multi-node suites again on PostgreSQL, whose global setup
 * (postgresGlobalSetup.ts) starts one real cluster and provides its
 * maintenance database's URL to that project only. Each test server then
 * gets a database of its own. TESSERA_TEST_POSTGRES_URL, when set, names a
 * cluster instead (a developer's own).
 */
export const TEST_POSTGRES_ENV = 'TESSERA_TEST_POSTGRES_URL';

function adminUrl(): string | undefined {
  const fromEnv = process.env[TEST_POSTGRES_ENV];
  if (fromEnv) return fromEnv;
  try {
    return inject('testPostgresUrl') || undefined;
  } catch {
    return undefined; // not inside a vitest worker (a bench importing the harness)
  }
}

export function testBackend(): 'sqlite' | 'postgres' {
  return adminUrl() ? 'postgres' : 'sqlite';
}

/** A fresh, empty database in the test cluster: its URL; undefined on the SQLite run. */
export async function freshTestDatabase(): Promise<string | undefined> {
  const admin = adminUrl();
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
  const admin = adminUrl();
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
