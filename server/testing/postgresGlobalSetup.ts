import { startPostgres, type TestPostgres } from './postgres';
import { TEST_POSTGRES_ENV } from './testDatabase';

/** vitest.postgres.config.ts's global setup: one PostgreSQL cluster for the whole run (see testDatabase.ts). */
let cluster: TestPostgres | null = null;

export async function setup(): Promise<void> {
  cluster = await startPostgres();
  const admin = new URL(cluster.url);
  admin.pathname = '/postgres';
  process.env[TEST_POSTGRES_ENV] = admin.toString();
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
