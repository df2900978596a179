/** A PostgreSQL error as the clients pass it on: the server's SQLSTATE in `code` (23505 a unique violation, …). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** The connection was lost: any transaction on it is gone (the next call reconnects). */
    readonly connectionLost: boolean,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/**
 * PostgreSQL, called synchronously (see engine.ts for why). Two
 * implementations: libpqClient.ts (libpq's blocking calls, in this thread:
 * the fast one) and bridge.ts (the pure-JS `pg` in a worker thread this one
 * waits on: used when the optional libpq addon is not built).
 */
export interface SyncPgClient {
  /** A parameterised statement ($1, $2, …), prepared once per connection. */
  query(sql: string, params: readonly unknown[]): PgResult;
  /** One or more statements without parameters, in one round trip (BEGIN; LOCK …). Returns the last one's result. */
  simple(sql: string): PgResult;
  /** How many change notices other connections have sent since this one started. */
  changeCount(): number;
  close(): void;
}

export interface SyncPgClientOptions {
  url: string;
  /** Run on every new connection (SET statements: timeouts). */
  sessionSql: readonly string[];
  /** LISTEN here; notices whose payload is not nodeId count as changes (changeCount). */
  listenChannel?: string;
  nodeId: string;
  applicationName: string;
  /** How long one call may take before the client gives up (the server's own timeouts should fire first). */
  callTimeoutMs: number;
}

/** int8 (count(*), ms timestamps) and numeric (sum) as JS numbers, as SQLite's driver gives them: every Tessera integer fits in 2^53. */
export const INT8_OID = 20;
export const NUMERIC_OID = 1700;
