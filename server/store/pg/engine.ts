import { randomBytes } from 'node:crypto';
import type { SqlConnection, SqlRunResult, SqlStatement } from '../sql';
import { PgBridge } from './bridge';
import { LibpqClient, loadLibpq } from './libpqClient';
import { TesseraError } from '../../../shared/errors';
import { PgError, type PgResult, type SyncPgClient, type SyncPgClientOptions } from './syncClient';
import { PG_MIGRATIONS } from './migrations/index';
import { translateSql, type TranslatedSql } from './translate';

/** Where other nodes hear that this one committed (their caches reload). */
const CHANGES_CHANNEL = 'tessera_changes';
/** pg_advisory_xact_lock key for migrations: one node migrates, the others wait and find it done. */
const MIGRATION_LOCK = 7_307_315_017;

/**
 * Server-side limits for every connection. lock_timeout bounds the wait for
 * the write lock (SQLite's busy_timeout); idle_in_transaction_session_timeout
 * ends the session of a node frozen inside a transaction, so one stuck node
 * cannot hold every other's writes for long.
 */
const SESSION_SQL = [
  "SET lock_timeout = '5s'",
  "SET statement_timeout = '30s'",
  "SET idle_in_transaction_session_timeout = '15s'",
  "SET client_min_messages = 'warning'",
];

/**
 * The synchronous client: libpq's blocking calls when the optional addon is
 * built (the fast one), else `pg` in a worker thread. TESSERA_PG_CLIENT=thread
 * picks the second anyway (the tests run both).
 */
export function openSyncClient(options: SyncPgClientOptions, env: NodeJS.ProcessEnv = process.env): SyncPgClient {
  const Libpq = env.TESSERA_PG_CLIENT === 'thread' ? null : loadLibpq();
  return unavailableInWords(() => (Libpq ? new LibpqClient(Libpq, options) : new PgBridge(options)));
}

/**
 * A database that cannot be reached is the stable error database_unavailable
 * (503 over REST and tRPC, a plain sentence in the CLI), not an internal
 * error: the node is fine, the database is away. SQL errors pass unchanged.
 */
function unavailableInWords<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PgError && err.connectionLost) {
      const detail = err.message.split('\n')[0]!.trim();
      throw new TesseraError('database_unavailable', `The database cannot be reached (${detail}); try again when PostgreSQL is back`);
    }
    throw err;
  }
}

/** The client with unavailableInWords around every call. */
function guarded(client: SyncPgClient): SyncPgClient {
  return {
    query: (sql, params) => unavailableInWords(() => client.query(sql, params)),
    simple: (sql) => unavailableInWords(() => client.simple(sql)),
    changeCount: () => client.changeCount(),
    close: () => client.close(),
  };
}

export interface PgEngineHooks {
  beforeCommit(): void;
  afterCommit(): void;
}

/**
 * One node's connection to the shared PostgreSQL database, with the
 * transaction rules Tessera's services were written for on SQLite:
 *
 * - A write transaction first takes `LOCK TABLE tessera_write_lock IN
 *   EXCLUSIVE MODE` (before any snapshot), so write transactions are
 *   serialised across all nodes as SQLite serialises them in one file: every
 *   read in one sees every earlier commit, conditional updates (a TOTP step, a
 *   HOTP counter, a failure count) cannot interleave, and the audit chain
 *   stays one chain with no fork. Nearly every write appends to that chain
 *   anyway, so the chain's lock and this one are the same lock.
 * - A read transaction is REPEATABLE READ READ ONLY: one snapshot.
 * - A write statement run outside tx() runs in a write transaction of its own.
 * - Every commit of a write transaction sends a notice other nodes count
 *   (dataVersion), as SQLite's data_version counts other connections' commits.
 */
export class PgEngine implements SqlConnection {
  private readonly bridge: SyncPgClient;
  private readonly nodeId = randomBytes(8).toString('hex');
  private depth = 0;
  private mode: 'write' | 'read' | null = null;

  constructor(
    url: string,
    private readonly hooks: PgEngineHooks,
    options: { applicationName?: string; migrate?: boolean } = {},
  ) {
    this.bridge = guarded(
      openSyncClient({
        url,
        sessionSql: SESSION_SQL,
        listenChannel: CHANGES_CHANNEL,
        nodeId: this.nodeId,
        applicationName: options.applicationName ?? 'tessera',
        callTimeoutMs: 60_000,
      }),
    );
    if (options.migrate !== false) this.migrate();
  }

  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? SqlStatement<P, R> : SqlStatement<[P], R> {
    return new PgStatement(this, translateSql(source)) as unknown as P extends unknown[] ? SqlStatement<P, R> : SqlStatement<[P], R>;
  }

  execute(sql: TranslatedSql, values: unknown[]): PgResult {
    if (sql.writes && this.mode !== 'write') {
      if (this.mode === 'read') throw new Error('A write statement inside a read transaction');
      return this.tx(() => this.bridge.query(sql.text, values));
    }
    return this.bridge.query(sql.text, values);
  }

  inTransaction(): boolean {
    return this.depth > 0;
  }

  tx<T>(fn: () => T): T {
    if (this.depth > 0) {
      if (this.mode === 'read') throw new Error('A write transaction inside a read transaction');
      return this.savepoint(fn);
    }
    this.bridge.simple('BEGIN; LOCK TABLE tessera_write_lock IN EXCLUSIVE MODE');
    this.depth = 1;
    this.mode = 'write';
    let result: T;
    try {
      result = fn();
      this.hooks.beforeCommit();
      this.bridge.simple(`NOTIFY ${CHANGES_CHANNEL}, '${this.nodeId}'; COMMIT`);
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    } finally {
      this.depth = 0;
      this.mode = null;
    }
    this.hooks.afterCommit();
    return result;
  }

  read<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.bridge.simple('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    this.depth = 1;
    this.mode = 'read';
    try {
      const result = fn();
      this.bridge.simple('COMMIT');
      return result;
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    } finally {
      this.depth = 0;
      this.mode = null;
    }
  }

  /** Other nodes' commits counted so far (see the class comment). */
  dataVersion(): number {
    return this.bridge.changeCount();
  }

  schemaVersion(): number {
    // Two statements: PostgreSQL resolves a table named in a subquery when it parses it, so a CASE cannot guard one never made.
    const exists = this.bridge.simple("SELECT to_regclass('tessera_migrations') IS NOT NULL AS e").rows[0]?.e === true;
    if (!exists) return 0;
    return Number(this.bridge.simple('SELECT coalesce(max(version), 0) AS v FROM tessera_migrations').rows[0]?.v ?? 0);
  }

  close(): void {
    this.bridge.close();
  }

  /**
   * Brings the schema to PG_MIGRATIONS' last version in one transaction
   * (PostgreSQL's DDL is transactional) under an advisory lock: started
   * together, one node migrates and the rest wait, then find it done.
   */
  private migrate(): void {
    this.bridge.simple(`BEGIN; SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    try {
      this.bridge.simple('CREATE TABLE IF NOT EXISTS tessera_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const current = Number(this.bridge.simple('SELECT coalesce(max(version), 0) AS v FROM tessera_migrations').rows[0]?.v ?? 0);
      if (current > PG_MIGRATIONS.length) {
        throw new Error(`This database was written by a newer Tessera (schema ${current}); upgrade Tessera to open it`);
      }
      for (let v = current; v < PG_MIGRATIONS.length; v++) {
        const migration = PG_MIGRATIONS[v]!;
        this.bridge.simple(migration.sql);
        this.bridge.query('INSERT INTO tessera_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [v + 1, migration.name, Date.now()]);
      }
      this.bridge.simple('COMMIT');
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    }
  }

  private savepointCount = 0;

  private savepoint<T>(fn: () => T): T {
    const name = `sp${++this.savepointCount}`;
    this.bridge.simple(`SAVEPOINT ${name}`);
    this.depth++;
    try {
      const result = fn();
      this.bridge.simple(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      this.bridge.simple(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      throw err;
    } finally {
      this.depth--;
    }
  }

  private rollbackQuietly(): void {
    try {
      this.bridge.simple('ROLLBACK');
    } catch {
      // The connection is gone, and its transaction with it.
    }
  }
}

class PgStatement<P extends unknown[], R> implements SqlStatement<P, R> {
  constructor(
    private readonly engine: PgEngine,
    private readonly sql: TranslatedSql,
  ) {}

  run(...params: P): SqlRunResult {
    return { changes: this.exec(params).rowCount };
  }

  get(...params: P): R | undefined {
    return this.exec(params).rows[0] as R | undefined;
  }

  all(...params: P): R[] {
    return this.exec(params).rows as R[];
  }

  iterate(...params: P): IterableIterator<R> {
    return (this.exec(params).rows as R[])[Symbol.iterator]();
  }

  private exec(params: unknown[]): PgResult {
    const { names } = this.sql;
    let values: unknown[];
    if (names) {
      const bound = (params[0] ?? {}) as Record<string, unknown>;
      values = names.map((n) => bound[n] ?? null);
    } else if (params.length === 1 && isPlainObject(params[0])) {
      // Named parameters for a statement that has none (a filter that added no condition): better-sqlite3 binds nothing.
      values = [];
    } else {
      values = params.map((v) => v ?? null);
    }
    return this.engine.execute(this.sql, values);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
