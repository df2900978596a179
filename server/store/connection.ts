import type Database from 'better-sqlite3';
import type { Db } from './db';

/**
 * Db's SQLite connection, for the repositories beside it. Db.sqlite is
 * private and the layer check (build/check-layers.ts) lets nothing outside
 * server/store import this module: only the store runs SQL.
 */
const connections = new WeakMap<Db, Database.Database>();

export function bindConnection(db: Db, sqlite: Database.Database): void {
  connections.set(db, sqlite);
}

export function sqliteOf(db: Db): Database.Database {
  const sqlite = connections.get(db);
  if (!sqlite) throw new Error('sqliteOf: not a Db of this process');
  return sqlite;
}
