import Database from 'better-sqlite3';
import { bindConnection } from './connection';
import { PgEngine } from './pg/engine';
import type { SqlDialect } from './sql';
import { MIGRATIONS } from './migrations/index';
import { createPrivateFile, makePrivate } from './privateFiles';

export type Durability = 'normal' | 'full';

export interface OpenOptions {
  /**
   * 'normal' (default): WAL with synchronous=NORMAL. Every commit is in the WAL
   * before it returns, so a crash of Tessera loses nothing; an OS crash or power
   * cut can lose the last few commits (never corrupts). 'full' fsyncs each commit
   * (about 10x slower here) for machines where that window matters.
   */
  durability?: Durability;
  readonly?: boolean;
}

/**
 * The compiled better-sqlite3 addon to load instead of the one in
 * node_modules. The desktop shell sets one built for Electron's ABI (Node and
 * Electron cannot share one build). A process loads one addon, so this is
 * process-wide; undefined means node_modules' own.
 */
let nativeBinding: string | undefined;

export function setSqliteNativeBinding(file: string | undefined): void {
  nativeBinding = file;
}

/** The addon set above (a worker thread opening its own connection must load the same one). */
export function sqliteNativeBinding(): string | undefined {
  return nativeBinding;
}

/** The files SQLite keeps beside a database (WAL mode: -wal, -shm; rollback mode: -journal). */
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/**
 * Operator hashes, emails and the audit log are in these files: ours alone.
 * SQLite creates a database 0644 (less the umask) and gives its -wal, -shm
 * and -journal the database's own mode, so the database is created 0600
 * before SQLite opens it, and any of them left loose from before is tightened.
 */
function makeDatabaseFilesPrivate(file: string): void {
  createPrivateFile(file);
  for (const suffix of ['', ...SIDE_FILES]) makePrivate(file + suffix, 0o600, 'The database file');
}

/** A PostgreSQL connection string (`postgres://…` or `postgresql://…`), as TESSERA_DATABASE_URL holds one. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The one handle on the database: the SQLite file (the embedded default), or
 * a shared PostgreSQL database for several nodes (Db.postgres). Repositories
 * hang off it (they reach the connection through ./connection); nothing else
 * runs SQL. Services see the same tx()/read() on both.
 */
export class Db {
  private readonly sqlite!: Database.Database;
  private readonly pg: PgEngine | null = null;
  readonly dialect: SqlDialect;
  /** Opened read-only (a worker thread's connection): it neither migrates nor fills in derived columns. */
  readonly readonly: boolean;

  /**
   * Opens PostgreSQL at `url` (migrating it unless told not to). `path` is
   * then '' (no database file, nothing to derive a data folder from).
   */
  static postgres(url: string, options: { migrate?: boolean; applicationName?: string } = {}): Db {
    return new Db('', {}, { url, ...options });
  }

  /** A SQLite file or a PostgreSQL URL (as `location` gives back): what a worker thread reopens. */
  static open(location: string, options: OpenOptions = {}): Db {
    if (!isPostgresUrl(location)) return new Db(location, options);
    return new Db('', options, { url: location, migrate: !options.readonly, applicationName: options.readonly ? 'tessera-worker' : 'tessera' });
  }

  /**
   * Where this database is, for Db.open in a worker thread: the file, or
   * the PostgreSQL URL — which may hold a password, so it is passed to
   * threads of this process only, never logged or shown.
   */
  get location(): string {
    return this.postgresUrl ?? this.path;
  }

  private readonly postgresUrl: string | null = null;

  /**
   * How many rows a long job (an import, a directory sync) should write per
   * transaction. On PostgreSQL each statement is a round trip made while this
   * node's event loop waits and every other node's writes wait for the lock,
   * so its chunks are smaller: about the same time per commit as SQLite's 500.
   */
  get writeChunkRows(): number {
    return this.dialect === 'postgres' ? 50 : 500;
  }

  constructor(
    readonly path: string,
    options: OpenOptions = {},
    postgres?: { url: string; migrate?: boolean; applicationName?: string },
  ) {
    this.readonly = options.readonly ?? false;
    if (postgres) {
      this.dialect = 'postgres';
      this.postgresUrl = postgres.url;
      this.pg = new PgEngine(
        postgres.url,
        {
          beforeCommit: () => {
            for (const hook of this.beforeCommit) hook();
          },
          afterCommit: () => {
            for (const hook of this.afterCommit) hook();
          },
        },
        postgres,
      );
      bindConnection(this, this.pg);
      return;
    }
    this.dialect = 'sqlite';
    // A read-only connection (the audit verify worker) opens files a writer made; it neither creates nor changes them.
    const writesFiles = !options.readonly && path !== '' && path !== ':memory:';
    if (writesFiles) makeDatabaseFilesPrivate(path);
    this.sqlite = new Database(path, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
    bindConnection(this, this.sqlite);
    this.sqlite.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      this.sqlite.pragma('journal_mode = WAL');
      this.sqlite.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    }
    if (writesFiles) {
      try {
        // Made 0600 by SQLite after the database's mode; checked in case a file of another mode was already there.
        for (const suffix of SIDE_FILES) makePrivate(path + suffix, 0o600, 'The database file');
      } catch (err) {
        this.sqlite.close();
        throw err;
      }
    }
    this.sqlite.pragma('foreign_keys = ON');
    // Never let a schema object run functions an attacker planted in the file.
    this.sqlite.pragma('trusted_schema = OFF');
    if (!options.readonly) this.migrate();
  }

  private readonly beforeCommit: (() => void)[] = [];
  private readonly afterCommit: (() => void)[] = [];
  private readonly beforeClose: (() => void)[] = [];

  /**
   * Runs fn in one IMMEDIATE transaction: all of it commits, or none. Inside
   * another transaction it runs in a savepoint, so a failing part rolls back
   * alone. The before-commit hooks run last, inside the outermost transaction.
   */
  tx<T>(fn: () => T): T {
    if (this.pg) return this.pg.tx(fn);
    if (this.sqlite.inTransaction) return this.sqlite.transaction(fn)();
    const result = this.sqlite
      .transaction(() => {
        const result = fn();
        for (const hook of this.beforeCommit) hook();
        return result;
      })
      .immediate();
    for (const hook of this.afterCommit) hook();
    return result;
  }

  /**
   * Runs fn in one read transaction (DEFERRED, no writes): every query in it
   * sees the same snapshot of the database, however long it takes (WAL lets
   * writers go on meanwhile).
   */
  read<T>(fn: () => T): T {
    if (this.pg) return this.pg.read(fn);
    return this.sqlite.transaction(fn).deferred();
  }

  /** True inside tx() or read(): for writes that must share the transaction that read their state. */
  inTransaction(): boolean {
    if (this.pg) return this.pg.inTransaction();
    return this.sqlite.inTransaction;
  }

  /**
   * SQLite's data_version: changes when another connection (another process)
   * has committed since this connection last looked; this connection's own
   * commits leave it alone. For caches that must notice others' writes.
   */
  dataVersion(): number {
    if (this.pg) return this.pg.dataVersion();
    return this.sqlite.pragma('data_version', { simple: true }) as number;
  }

  /** Work that must end every write transaction (the audit log's signed head, for one). */
  onBeforeCommit(hook: () => void): void {
    this.beforeCommit.push(hook);
  }

  /** Work for just before the connection closes (flushing what an after-commit hook deferred). Must not throw. */
  onBeforeClose(hook: () => void): void {
    this.beforeClose.push(hook);
  }

  /** Work for after a write transaction has committed (never after a rollback): the audit anchor, for one. Must not throw. */
  onAfterCommit(hook: () => void): void {
    this.afterCommit.push(hook);
  }

  /**
   * GET /healthz's check: one `SELECT 1` round trip on PostgreSQL, bounded by
   * the engine's timeouts (connect 10 s, statement 30 s); throws when the
   * database cannot be reached (the next call reconnects). A SQLite file is
   * this process's own: nothing to ask.
   */
  ping(): void {
    this.pg?.prepare('SELECT 1 AS one').get();
  }

  schemaVersion(): number {
    if (this.pg) return this.pg.schemaVersion();
    return this.sqlite.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion();
    if (current > MIGRATIONS.length) {
      throw new Error(`This database was written by a newer Tessera (schema ${current}); upgrade Tessera to open it`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const migration = MIGRATIONS[v]!;
      this.tx(() => {
        this.sqlite.exec(migration.sql);
        migration.backfill?.(this.sqlite);
        this.sqlite.pragma(`user_version = ${v + 1}`);
      });
    }
  }

  /** A consistent copy of the live database (online; readers and writers keep going). */
  async backupTo(file: string): Promise<void> {
    this.sqliteOnly('An online backup');
    createPrivateFile(file); // SQLite would create it 0644: a backup holds everything the database does
    await this.sqlite.backup(file);
  }

  /** `PRAGMA integrity_check`: ['ok'] for a sound file, else SQLite's list of problems. */
  integrityCheck(): string[] {
    this.sqliteOnly('The integrity check');
    const rows = this.sqlite.pragma('integrity_check') as Record<string, unknown>[];
    return rows.map((r) => String(Object.values(r)[0]));
  }

  /**
   * For restore, which replaces the file: true only when no other connection,
   * in this process or any other, has the database open — SQLite lets a
   * database leave WAL mode only then. On true the WAL has been folded into
   * the main file (rollback-journal mode), so the one file holds everything.
   */
  takeSoleAccess(): boolean {
    this.sqliteOnly('Restore');
    this.sqlite.pragma('busy_timeout = 0');
    try {
      return this.sqlite.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    } finally {
      this.sqlite.pragma('busy_timeout = 5000');
    }
  }

  close(): void {
    if (this.pg) {
      if (this.closed) return;
      this.closed = true;
      for (const hook of this.beforeClose) hook();
      this.pg.close();
      return;
    }
    if (!this.sqlite.open) return;
    for (const hook of this.beforeClose) hook();
    this.sqlite.close();
  }

  private closed = false;

  /** For what only a SQLite file has: PostgreSQL's own tools do it there (pg_dump, amcheck). */
  private sqliteOnly(what: string): void {
    if (this.pg) throw new Error(`${what} works on a SQLite database only; on PostgreSQL use pg_dump and pg_restore (see the README)`);
  }
}
