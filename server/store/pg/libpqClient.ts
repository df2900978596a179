import { createRequire } from 'node:module';
import pg from 'pg';
import { INT8_OID, NUMERIC_OID, PgError, type PgResult, type SyncPgClient, type SyncPgClientOptions } from './syncClient';

/** The part of the `libpq` addon (brianc/node-libpq: libpq's own blocking calls) used here. */
interface LibpqConnection {
  connectSync(conninfo: string): void;
  finish(): void;
  exec(sql: string): void;
  prepare(name: string, sql: string, nParams: number): void;
  execPrepared(name: string, params: (string | null)[]): void;
  resultStatus(): string;
  resultErrorMessage(): string;
  resultErrorFields(): { sqlState?: string } | undefined;
  errorMessage(): string;
  transactionStatus(): number;
  ntuples(): number;
  nfields(): number;
  fname(col: number): string;
  ftype(col: number): number;
  getvalue(row: number, col: number): string;
  getisnull(row: number, col: number): boolean;
  cmdTuples(): string;
  consumeInput(): boolean;
  notifies(): { relname: string; extra: string } | undefined;
}
type LibpqConstructor = new () => LibpqConnection;

/** PQtransactionStatus's PQTRANS_UNKNOWN: the connection is bad. */
const TRANSACTION_UNKNOWN = 4;

let addon: LibpqConstructor | null | undefined;

/** The libpq addon when it was built and loads here (it is an optional dependency), else null. */
export function loadLibpq(): LibpqConstructor | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('libpq') as LibpqConstructor;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/**
 * Finished connections, kept reachable a moment longer: node-libpq's finish()
 * asks libuv to close the socket's poll handle on the loop's next closing
 * phase, but that handle lives inside the connection object — collected
 * before then, libuv reads freed memory and the process aborts
 * (uv__finish_close assertion). `serve` on PostgreSQL hit it every time: it
 * checks the database on a connection of its own, closes it, and starts.
 */
const finishing = new Set<LibpqConnection>();

function finish(c: LibpqConnection): void {
  c.finish();
  finishing.add(c);
  setTimeout(() => finishing.delete(c), 1000).unref();
}

type Parser = (text: string) => unknown;
const parsers = new Map<number, Parser>();

function parserFor(oid: number): Parser {
  let parser = parsers.get(oid);
  if (!parser) {
    parser = oid === INT8_OID || oid === NUMERIC_OID ? Number : (pg.types.getTypeParser(oid, 'text') as Parser);
    parsers.set(oid, parser);
  }
  return parser;
}

/**
 * How long libpq waits, added to the URL the operator gave unless it says
 * otherwise: 10 s to connect, and a dead peer noticed within about 20 s
 * (keepalives, tcp_user_timeout) — this thread waits for libpq, so an
 * unanswered socket must not hold it for TCP's default many minutes. The URL
 * is added to as text, never re-parsed: libpq's multi-host form
 * (postgres://h1:5432,h2:5433/db?target_session_attrs=read-write) is not a
 * WHATWG URL, and re-encoding would change a password's escapes.
 */
const CONNECTION_LIMITS = {
  connect_timeout: '10',
  keepalives: '1',
  keepalives_idle: '10',
  keepalives_interval: '5',
  keepalives_count: '2',
  tcp_user_timeout: '20000',
};

export function withConnectionLimits(url: string): string {
  const [base, fragment] = url.split('#', 2) as [string, string | undefined];
  const missing = Object.entries(CONNECTION_LIMITS).filter(([name]) => !new RegExp(`[?&]${name}=`).test(base));
  if (missing.length === 0) return url;
  const joined = `${base}${base.includes('?') ? '&' : '?'}${missing.map(([k, v]) => `${k}=${v}`).join('&')}`;
  return fragment === undefined ? joined : `${joined}#${fragment}`;
}

/** A parameter in libpq's text format: bytea as \x hex, numbers and booleans as their text. */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new TypeError(`A ${typeof value} cannot be a SQL parameter`);
}

/**
 * PostgreSQL through libpq's blocking calls, in this thread: one round trip
 * per statement and nothing between (no worker, no copies). Statements are
 * prepared once per connection. The connection also LISTENs for other nodes'
 * change notices: libpq buffers them as they arrive with any answer, and
 * changeCount() reads what is waiting without a round trip.
 */
export class LibpqClient implements SyncPgClient {
  private connection: LibpqConnection | null = null;
  private statements = new Map<string, string>();
  private changes = 0;

  constructor(
    private readonly Libpq: LibpqConstructor,
    private readonly options: SyncPgClientOptions,
  ) {
    this.connect();
  }

  query(sql: string, params: readonly unknown[]): PgResult {
    const c = this.connected();
    let name = this.statements.get(sql);
    if (name === undefined) {
      name = `t${this.statements.size}`;
      c.prepare(name, sql, 0);
      this.check(c);
      this.statements.set(sql, name);
    }
    c.execPrepared(name, params.map(toText));
    return this.result(c);
  }

  simple(sql: string): PgResult {
    const c = this.connected();
    c.exec(sql);
    return this.result(c);
  }

  changeCount(): number {
    const c = this.connection;
    if (c && this.options.listenChannel) {
      c.consumeInput();
      this.drainNotices(c);
    }
    return this.changes;
  }

  close(): void {
    if (this.connection) finish(this.connection);
    this.connection = null;
  }

  private connect(): LibpqConnection {
    const c = new this.Libpq();
    try {
      c.connectSync(withConnectionLimits(this.options.url));
    } catch (err) {
      // libpq's message names host and port, never the password.
      throw new PgError(`Cannot connect to PostgreSQL: ${(err as Error).message.trim()}`, undefined, true);
    }
    this.connection = c;
    this.statements = new Map();
    this.query('SELECT set_config($1, $2, false)', ['application_name', this.options.applicationName]);
    for (const sql of this.options.sessionSql) this.simple(sql);
    if (this.options.listenChannel) {
      this.simple(`LISTEN ${this.options.listenChannel}`);
      // A notice may have been missed while not listening: count one, so caches reload.
      this.changes++;
    }
    return c;
  }

  private connected(): LibpqConnection {
    return this.connection ?? this.connect();
  }

  private result(c: LibpqConnection): PgResult {
    this.check(c);
    const rows: Record<string, unknown>[] = [];
    const n = c.ntuples();
    if (n > 0) {
      const fields = c.nfields();
      const names: string[] = [];
      const parse: Parser[] = [];
      for (let f = 0; f < fields; f++) {
        names.push(c.fname(f));
        parse.push(parserFor(c.ftype(f)));
      }
      for (let r = 0; r < n; r++) {
        const row: Record<string, unknown> = {};
        for (let f = 0; f < fields; f++) row[names[f]!] = c.getisnull(r, f) ? null : parse[f]!(c.getvalue(r, f));
        rows.push(row);
      }
    }
    if (this.options.listenChannel) this.drainNotices(c);
    return { rows, rowCount: Number(c.cmdTuples()) || 0 };
  }

  private check(c: LibpqConnection): void {
    const status = c.resultStatus();
    if (status === 'PGRES_TUPLES_OK' || status === 'PGRES_COMMAND_OK') return;
    const lost = c.transactionStatus() === TRANSACTION_UNKNOWN;
    const message = (c.resultErrorMessage() || c.errorMessage()).trim().replace(/^ERROR:\s+/, '');
    const code = c.resultErrorFields()?.sqlState;
    if (lost) {
      // The next call opens a new connection (its prepared statements with it).
      finish(c);
      this.connection = null;
    }
    throw new PgError(message || 'PostgreSQL failed without a message', code, lost);
  }

  private drainNotices(c: LibpqConnection): void {
    for (let n = c.notifies(); n; n = c.notifies()) {
      if (n.relname === this.options.listenChannel && n.extra !== this.options.nodeId) this.changes++;
    }
  }
}
