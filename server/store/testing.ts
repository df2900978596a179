import type Database from 'better-sqlite3';
import { sqliteOf } from './connection';
import type { Db } from './db';

/**
 * The raw connection, for tests only (the layer check refuses it anywhere
 * else): to read the stored bytes no service returns, or to tamper with a row
 * as an attacker with the file would.
 */
export function rawSqlite(store: Db | { db: Db }): Database.Database {
  return sqliteOf('db' in store ? store.db : store);
}
