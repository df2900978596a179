import type { Db } from './db';
import type { SqlConnection } from './sql';

/**
 * Db's connection (the SQLite Database, or the PostgreSQL engine), for the
 * repositories beside it. The layer check (build/check-layers.ts) lets
 * nothing outside server/store import this module: only the store runs SQL.
 */
const connections = new WeakMap<Db, SqlConnection>();

export function bindConnection(db: Db, connection: SqlConnection): void {
  connections.set(db, connection);
}

export function connectionOf(db: Db): SqlConnection {
  const connection = connections.get(db);
  if (!connection) throw new Error('connectionOf: not a Db of this process');
  return connection;
}
