import type { Db } from '../db';

export interface UserRow {
  id: string;
  username: string;
  username_key: string;
  display_name: string | null;
  email: string | null;
  created_at: number;
  failures: number;
  last_failure_at: number | null;
  locked_until: number | null;
}

export interface UserListRow extends UserRow {
  has_active_factor: 0 | 1;
}

const COLUMNS = 'id, username, username_key, display_name, email, created_at, failures, last_failure_at, locked_until';
const ACTIVE_FACTOR = `EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active') AS has_active_factor`;

/** Shorter queries match the start of usernames; longer ones match anywhere in name, display name or email. */
export const MIN_SUBSTRING = 3;

/** Below this many matches the trigram index answers a search; above it, an ordered walk does. */
const SPARSE_MATCHES = 2000;

/** Escapes LIKE wildcards so a search for "a_b" means exactly that. */
function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class UsersRepo {
  private readonly byKey;
  private readonly byId;
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly throttleStmt;
  private readonly countStmt;
  private readonly countIndexed;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.byKey = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username_key = ?`);
    this.byId = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.insertStmt = s.prepare(
      `INSERT INTO users (id, username, username_key, display_name, email, search_text, created_at)
       VALUES (@id, @username, @username_key, @display_name, @email, @search_text, @created_at)`,
    );
    this.deleteStmt = s.prepare<[string]>('DELETE FROM users WHERE id = ?');
    this.throttleStmt = s.prepare(
      'UPDATE users SET failures = @failures, last_failure_at = @last_failure_at, locked_until = @locked_until WHERE id = @id',
    );
    this.countStmt = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
    this.countIndexed = s.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM users_fts WHERE search_text LIKE ? LIMIT ${SPARSE_MATCHES})`,
    );
  }

  findByKey(key: string): UserRow | undefined {
    return this.byKey.get(key);
  }

  findById(id: string): UserRow | undefined {
    return this.byId.get(id);
  }

  insert(row: Omit<UserRow, 'failures' | 'last_failure_at' | 'locked_until'>): void {
    const search_text = [row.username, row.display_name ?? '', row.email ?? ''].join('\u0001').toLowerCase();
    this.insertStmt.run({ ...row, search_text });
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes === 1;
  }

  setThrottle(id: string, t: { failures: number; last_failure_at: number | null; locked_until: number | null }): void {
    this.throttleStmt.run({ id, ...t });
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  /**
   * Keyset paging ordered by username_key; `after` is the last key of the
   * previous page. A query of 1–2 characters matches the start of usernames.
   * A query of 3+ characters that matches few users is answered
   * from the trigram index; one that matches many is answered by walking users
   * in order (the first page fills quickly because matches are dense).
   */
  list(opts: { query: string; limit: number; after: string | null; withoutFactor: boolean }): UserListRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: opts.limit };
    let from = 'users u';
    if (opts.query) {
      // FTS5 accelerates LIKE only without an ESCAPE clause, so queries holding % or _ take the walk.
      const indexable = !/[%_\\]/.test(opts.query);
      const plain = `%${opts.query.toLowerCase()}%`;
      if ([...opts.query].length < MIN_SUBSTRING) {
        // One or two characters: the start of the username, from its index (a substring
        // that short matches nearly everyone and would walk the whole table for a rare pair).
        params.lo = opts.query.toLowerCase();
        params.hi = `${params.lo as string}\uffff`;
        where.push('u.username_key >= @lo AND u.username_key < @hi');
      } else if (indexable && this.countIndexed.get(plain)!.n < SPARSE_MATCHES) {
        params.plain = plain;
        from = `(SELECT rowid AS rid FROM users_fts WHERE search_text LIKE @plain) m JOIN users u ON u.rowid = m.rid`;
      } else {
        params.pattern = likePattern(opts.query.toLowerCase());
        where.push(`u.search_text LIKE @pattern ESCAPE '\\'`);
      }
    }
    if (opts.after !== null) {
      where.push('u.username_key > @after');
      params.after = opts.after;
    }
    if (opts.withoutFactor) {
      where.push(`NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`);
    }
    const sql = `SELECT ${COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')}, ${ACTIVE_FACTOR}
      FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY u.username_key LIMIT @limit`;
    return this.db.sqlite.prepare<Record<string, unknown>, UserListRow>(sql).all(params);
  }
}
