import type Database from 'better-sqlite3';
import { connectionOf } from './connection';
import type { Db } from './db';
import type { SqlConnection } from './sql';

/**
 * The raw SQLite connection, for tests only (the layer check refuses it
 * anywhere else): to read the stored bytes no service returns, or to tamper
 * with a row as an attacker with the file would.
 */
export function rawSqlite(store: Db | { db: Db }): Database.Database {
  const db = 'db' in store ? store.db : store;
  if (db.dialect !== 'sqlite') throw new Error('rawSqlite: this store is on PostgreSQL (use rawConnection)');
  return connectionOf(db) as Database.Database;
}

/** The raw connection of either backend (prepare/get/all/run), for tests that read or tamper on both. */
export function rawConnection(store: Db | { db: Db }): SqlConnection {
  return connectionOf('db' in store ? store.db : store);
}
