import { connectionOf } from '../connection';
import type { Db } from '../db';
import type { SqlDialect } from '../sql';

export interface AuditRow {
  seq: number;
  at: string;
  at_ms: number;
  actor_kind: 'operator' | 'apikey' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_user: string | null;
  /** usernameKey(target_user): what user filters compare. Not part of the hashed content. */
  target_user_key: string | null;
  outcome: 'success' | 'failure' | 'denied';
  reason: string | null;
  ip: string | null;
  details: string | null;
  hash: string;
}

export interface AuditHeadRow {
  seq: number;
  hash: string;
  signature: string;
  key_version: number;
}

export interface AuditCheckpointRow extends AuditHeadRow {
  at: number;
}

export interface AuditFilter {
  user?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  outcome?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/**
 * The WHERE terms for a filter. Equality filters hit the (column, seq)
 * indexes; a time range arrives as a seq range (`seqRange` below), so it
 * narrows those same index searches instead of needing an index of its own.
 * The at_ms terms stay as exact checks with a unary `+`, which keeps the
 * planner from choosing the time index over the seq order.
 */
function filterSql(f: AuditFilter, params: Record<string, unknown>, range: SeqRange): string[] {
  const where: string[] = [];
  if (f.user !== undefined) {
    where.push('target_user_key = @user');
    params.user = f.user;
  }
  if (f.action !== undefined) {
    where.push('action = @action');
    params.action = f.action;
  }
  if (f.actor !== undefined) {
    where.push('actor_name = @actor');
    params.actor = f.actor;
  }
  if (f.outcome !== undefined) {
    where.push('outcome = @outcome');
    params.outcome = f.outcome;
  }
  if (range.fromSeq !== null) {
    where.push('seq >= @fromSeq');
    params.fromSeq = range.fromSeq;
  }
  if (range.toSeq !== null) {
    where.push('seq < @toSeq');
    params.toSeq = range.toSeq;
  }
  if (f.fromMs !== undefined) {
    where.push('+at_ms >= @fromMs');
    params.fromMs = f.fromMs;
  }
  if (f.toMs !== undefined) {
    where.push('+at_ms < @toMs');
    params.toMs = f.toMs;
  }
  return where;
}

/**
 * The index a filter reads, chosen rather than left to the planner, which
 * without statistics cannot know that a user's trail is short while "verify"
 * is most of the log (it would walk every verify entry to find one user's).
 * The most selective equality first: a user; then an actor or action with
 * its outcome (0003 indexes); then actor, action, outcome alone. Each index
 * ends in seq, so the seq range and the paging cursor narrow the same search
 * and rows come out in seq order without a sort. None: the seq range alone.
 */
export function auditIndexFor(f: AuditFilter): string | null {
  if (f.user !== undefined) return 'audit_by_user';
  if (f.actor !== undefined && f.outcome !== undefined) return 'audit_by_actor_outcome';
  if (f.action !== undefined && f.outcome !== undefined) return 'audit_by_action_outcome';
  if (f.actor !== undefined) return 'audit_by_actor';
  if (f.action !== undefined) return 'audit_by_action';
  if (f.outcome !== undefined) return 'audit_by_outcome';
  return null;
}

/** PostgreSQL has no INDEXED BY (it keeps statistics, so its planner can choose): the hint is SQLite's only. */
function fromClause(f: AuditFilter, dialect: SqlDialect): string {
  const index = dialect === 'sqlite' ? auditIndexFor(f) : null;
  return index ? `audit_log INDEXED BY ${index}` : 'audit_log';
}

/** A time range as seq bounds: `fromSeq <= seq < toSeq` (null: unbounded); empty when nothing can match. */
interface SeqRange {
  fromSeq: number | null;
  toSeq: number | null;
  empty: boolean;
}

export class AuditRepo {
  private readonly insertStmt;
  private readonly headStmt;
  private readonly upsertHeadStmt;
  private readonly insertCheckpointStmt;
  private readonly checkpointsStmt;
  private readonly iterateStmt;
  private readonly maxSeqStmt;
  private readonly bySeqStmt;
  private readonly rangeStmt;
  private readonly firstAtOrAfterStmt;
  private readonly actionsStmt;
  private readonly setCheckpointSignatureStmt;
  private readonly nonAsciiUsersStmt;
  private readonly setUserKeyStmt;

  constructor(private readonly db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare(
      `INSERT INTO audit_log (seq, at, at_ms, actor_kind, actor_id, actor_name, action, target_user, target_user_key, outcome, reason, ip, details, hash)
       VALUES (@seq, @at, @at_ms, @actor_kind, @actor_id, @actor_name, @action, @target_user, @target_user_key, @outcome, @reason, @ip, @details, @hash)`,
    );
    this.headStmt = s.prepare<[], AuditHeadRow>('SELECT seq, hash, signature, key_version FROM audit_head WHERE id = 1');
    this.upsertHeadStmt = s.prepare(
      `INSERT INTO audit_head (id, seq, hash, signature, key_version) VALUES (1, @seq, @hash, @signature, @key_version)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signature = excluded.signature, key_version = excluded.key_version`,
    );
    this.insertCheckpointStmt = s.prepare(
      'INSERT INTO audit_checkpoints (seq, hash, signature, key_version, at) VALUES (@seq, @hash, @signature, @key_version, @at)',
    );
    this.checkpointsStmt = s.prepare<[], AuditCheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY seq');
    this.iterateStmt = s.prepare<[number], AuditRow>('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq');
    this.maxSeqStmt = s.prepare<[], { seq: number | null; n: number }>('SELECT max(seq) AS seq, count(*) AS n FROM audit_log');
    this.bySeqStmt = s.prepare<[number], AuditRow>('SELECT * FROM audit_log WHERE seq = ?');
    this.rangeStmt = s.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?');
    this.firstAtOrAfterStmt = s.prepare<[number], { seq: number }>('SELECT seq FROM audit_log WHERE at_ms >= ? ORDER BY at_ms, seq LIMIT 1');
    // From the per-day counters (small), not the log: the actions that occur, for the console's filter.
    this.actionsStmt = s.prepare<[], { action: string }>('SELECT DISTINCT action FROM audit_daily ORDER BY action');
    this.setCheckpointSignatureStmt = s.prepare<[string, number]>('UPDATE audit_checkpoints SET signature = ? WHERE seq = ?');
    // Any character outside printable ASCII, where SQL lower() and usernameKey() can differ (SQLite: a GLOB class; PG: a regex).
    const nonAscii = db.dialect === 'sqlite' ? `target_user GLOB '*[^ -~]*'` : `target_user ~ '[^ -~]'`;
    this.nonAsciiUsersStmt = s.prepare<[], { seq: number; target_user: string; target_user_key: string | null }>(
      `SELECT seq, target_user, target_user_key FROM audit_log WHERE ${nonAscii}`,
    );
    this.setUserKeyStmt = s.prepare<[string, number]>('UPDATE audit_log SET target_user_key = ? WHERE seq = ?');
  }

  /** Re-signing a checkpoint (the one-time move from v1 to v2 signatures). */
  setCheckpointSignature(seq: number, signature: string): void {
    this.setCheckpointSignatureStmt.run(signature, seq);
  }

  /** Entries naming a user with a non-ASCII character (migration 0005 keyed them with SQL lower(), which folds ASCII only). */
  nonAsciiUserEntries(): { seq: number; target_user: string; target_user_key: string | null }[] {
    return this.nonAsciiUsersStmt.all();
  }

  setUserKey(seq: number, key: string): void {
    this.setUserKeyStmt.run(key, seq);
  }

  /** The first entry at or after a time (ms), by the time index. */
  firstSeqAtOrAfter(ms: number): number | null {
    return this.firstAtOrAfterStmt.get(ms)?.seq ?? null;
  }

  head(): AuditHeadRow | undefined {
    return this.headStmt.get();
  }

  insert(row: AuditRow): void {
    this.insertStmt.run(row);
  }

  setHead(head: AuditHeadRow): void {
    this.upsertHeadStmt.run(head);
  }

  insertCheckpoint(cp: AuditCheckpointRow): void {
    this.insertCheckpointStmt.run(cp);
  }

  checkpoints(): AuditCheckpointRow[] {
    return this.checkpointsStmt.all();
  }

  bySeq(seq: number): AuditRow | undefined {
    return this.bySeqStmt.get(seq);
  }

  stats(): { maxSeq: number; count: number } {
    const r = this.maxSeqStmt.get()!;
    return { maxSeq: r.seq ?? 0, count: r.n };
  }

  /** Streams every entry in sequence order without loading the log into memory. */
  iterate(fromSeq = 1): IterableIterator<AuditRow> {
    return this.iterateStmt.iterate(fromSeq);
  }

  /** A run of entries by sequence, for long jobs that yield to the event loop between pages. */
  range(fromSeq: number, limit: number): AuditRow[] {
    return this.rangeStmt.all(fromSeq, limit);
  }

  /**
   * Entries are appended with the clock's time, so at_ms grows with seq: the
   * first entry at or after a time is one index seek on audit_by_time, and a
   * time range becomes a range of seq.
   */
  seqRange(f: Pick<AuditFilter, 'fromMs' | 'toMs'>): SeqRange {
    let fromSeq: number | null = null;
    let toSeq: number | null = null;
    if (f.fromMs !== undefined) {
      const first = this.firstAtOrAfterStmt.get(f.fromMs);
      if (!first) return { fromSeq: null, toSeq: null, empty: true };
      fromSeq = first.seq;
    }
    if (f.toMs !== undefined) {
      const first = this.firstAtOrAfterStmt.get(f.toMs);
      if (first) toSeq = first.seq;
    }
    return { fromSeq, toSeq, empty: fromSeq !== null && toSeq !== null && toSeq <= fromSeq };
  }

  /** The SQL `page` runs for a filter (exposed for the query-plan test). */
  pageSql(
    f: AuditFilter,
    opts: { limit: number; afterSeq: number | null; order: 'asc' | 'desc' },
  ): { sql: string; params: Record<string, unknown>; empty: boolean } {
    const params: Record<string, unknown> = { limit: opts.limit };
    const range = this.seqRange(f);
    const where = filterSql(f, params, range);
    if (opts.afterSeq !== null) {
      where.push(opts.order === 'desc' ? 'seq < @afterSeq' : 'seq > @afterSeq');
      params.afterSeq = opts.afterSeq;
    }
    const sql = `SELECT * FROM ${fromClause(f, this.db.dialect)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${opts.order === 'desc' ? 'DESC' : 'ASC'} LIMIT @limit`;
    return { sql, params, empty: range.empty };
  }

  /** One page, newest or oldest first, continuing after `afterSeq`. */
  page(f: AuditFilter, opts: { limit: number; afterSeq: number | null; order: 'asc' | 'desc' }): AuditRow[] {
    const { sql, params, empty } = this.pageSql(f, opts);
    if (empty) return [];
    return connectionOf(this.db).prepare<Record<string, unknown>, AuditRow>(sql).all(params);
  }

  /** The SQL `count` runs (exposed for the query-plan test). */
  countSql(f: AuditFilter, throughSeq: number | null = null): { sql: string; params: Record<string, unknown>; empty: boolean } {
    const params: Record<string, unknown> = {};
    const range = this.seqRange(f);
    const where = filterSql(f, params, range);
    if (throughSeq !== null) {
      where.push('seq <= @throughSeq');
      params.throughSeq = throughSeq;
    }
    return {
      sql: `SELECT count(*) AS n FROM ${fromClause(f, this.db.dialect)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
      empty: range.empty,
    };
  }

  /** How many entries a filter selects (up to `throughSeq` when given): the export's progress total. */
  count(f: AuditFilter, throughSeq: number | null = null): number {
    const { sql, params, empty } = this.countSql(f, throughSeq);
    if (empty) return 0;
    return connectionOf(this.db).prepare<Record<string, unknown>, { n: number }>(sql).get(params)!.n;
  }

  /** The actions that occur in the log, for the console's action filter. */
  actions(): string[] {
    return this.actionsStmt.all().map((r) => r.action);
  }

  /** Streams the entries a filter selects, oldest first. */
  iterateFiltered(f: AuditFilter): IterableIterator<AuditRow> {
    const params: Record<string, unknown> = {};
    const range = this.seqRange(f);
    if (range.empty) return [][Symbol.iterator]();
    const where = filterSql(f, params, range);
    const sql = `SELECT * FROM ${fromClause(f, this.db.dialect)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return connectionOf(this.db).prepare<Record<string, unknown>, AuditRow>(sql).iterate(params);
  }
}
