import type { Db } from '../db';

export interface AuditRow {
  seq: number;
  at: string;
  at_ms: number;
  actor_kind: 'operator' | 'apikey' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_user: string | null;
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

function filterSql(f: AuditFilter, params: Record<string, unknown>): string[] {
  const where: string[] = [];
  if (f.user !== undefined) { where.push('target_user = @user'); params.user = f.user; }
  if (f.action !== undefined) { where.push('action = @action'); params.action = f.action; }
  if (f.actor !== undefined) { where.push('actor_name = @actor'); params.actor = f.actor; }
  if (f.outcome !== undefined) { where.push('outcome = @outcome'); params.outcome = f.outcome; }
  if (f.fromMs !== undefined) { where.push('at_ms >= @fromMs'); params.fromMs = f.fromMs; }
  if (f.toMs !== undefined) { where.push('at_ms < @toMs'); params.toMs = f.toMs; }
  return where;
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

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.insertStmt = s.prepare(
      `INSERT INTO audit_log (seq, at, at_ms, actor_kind, actor_id, actor_name, action, target_user, outcome, reason, ip, details, hash)
       VALUES (@seq, @at, @at_ms, @actor_kind, @actor_id, @actor_name, @action, @target_user, @outcome, @reason, @ip, @details, @hash)`,
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

  /** One page, newest or oldest first, continuing after `afterSeq`. */
  page(f: AuditFilter, opts: { limit: number; afterSeq: number | null; order: 'asc' | 'desc' }): AuditRow[] {
    const params: Record<string, unknown> = { limit: opts.limit };
    const where = filterSql(f, params);
    if (opts.afterSeq !== null) {
      where.push(opts.order === 'desc' ? 'seq < @afterSeq' : 'seq > @afterSeq');
      params.afterSeq = opts.afterSeq;
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq ${opts.order === 'desc' ? 'DESC' : 'ASC'} LIMIT @limit`;
    return this.db.sqlite.prepare<Record<string, unknown>, AuditRow>(sql).all(params);
  }

  /** Streams the entries a filter selects, oldest first (exports). */
  iterateFiltered(f: AuditFilter): IterableIterator<AuditRow> {
    const params: Record<string, unknown> = {};
    const where = filterSql(f, params);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return this.db.sqlite.prepare<Record<string, unknown>, AuditRow>(sql).iterate(params);
  }
}
