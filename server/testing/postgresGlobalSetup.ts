import type { TestProject } from 'vitest/node';
import { startPostgres, type TestPostgres } from './postgres';

/**
 * The PostgreSQL project's global setup (vitest.config.ts): one cluster for
 * the whole run, its maintenance database's URL provided to that project's
 * tests only (testDatabase.ts reads it with inject), so the SQLite project
 * running beside it is not moved onto PostgreSQL.
 */
let cluster: TestPostgres | null = null;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startPostgres();
  const admin = new URL(cluster.url);
  admin.pathname = '/postgres';
  project.provide('testPostgresUrl', admin.toString());
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
