/**
 * The part of a SQL connection the repositories use: better-sqlite3's own
 * shape (a SQLite Database is one as it is), which the PostgreSQL connection
 * (pg/connection.ts) implements too. Repositories write their SQL once, with
 * `?` or `@name` parameters, and run it on either.
 */
export interface SqlRunResult {
  /** Rows the statement inserted, changed or deleted. */
  changes: number;
}

export interface SqlStatement<P extends unknown[], R = unknown> {
  run(...params: P): SqlRunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

export interface SqlConnection {
  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? SqlStatement<P, R> : SqlStatement<[P], R>;
}

/** Which SQL a connection speaks, for the few queries the two write differently. */
export type SqlDialect = 'sqlite' | 'postgres';
