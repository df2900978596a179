import { sqliteOf } from '../connection';
import type { Statement } from 'better-sqlite3';
import { usernameSkeleton } from '../../core/usernames/skeleton';
import type { Db } from '../db';

export interface UserRow {
  id: string;
  username: string;
  username_key: string;
  display_name: string | null;
  email: string | null;
  /** E.164, validated at the edge. */
  phone: string | null;
  created_at: number;
  /** The factor of the last successful verify (a factor id, or a set's/temporary code's id), its type and when. */
  last_factor_id: string | null;
  last_factor_type: string | null;
  last_verified_at: number | null;
  /** Set for a user the directory owns (issue 15): their display name, email and phone are the directory's. */
  directory_dn: string | null;
  directory_synced_at: number | null;
  /** A disabled user (verify and challenge refuse them; factors kept until the grace period ends), and why. */
  disabled_at: number | null;
  disabled_reason: string | null;
  failures: number;
  last_failure_at: number | null;
  locked_until: number | null;
}

export interface UserListRow extends UserRow {
  has_active_factor: 0 | 1;
}

const COLUMNS =
  'id, username, username_key, display_name, email, phone, created_at, last_factor_id, last_factor_type, last_verified_at, directory_dn, directory_synced_at, disabled_at, disabled_reason, failures, last_failure_at, locked_until';
const ACTIVE_FACTOR = `EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active') AS has_active_factor`;

/** What searches match: username, display name and email, lower-cased. */
function searchTextOf(row: Pick<UserRow, 'username' | 'display_name' | 'email'>): string {
  return [row.username, row.display_name ?? '', row.email ?? ''].join('\u0001').toLowerCase();
}

/** Shorter queries match the start of usernames; longer ones match anywhere in name, display name or email. */
export const MIN_SUBSTRING = 3;

/** Below this many matches the trigram index answers a search; at or above it, an ordered walk does. */
const SPARSE_MATCHES = 2000;

/**
 * Rows one request looks at in a walk, at most (a few milliseconds each way):
 * through the covering index for a substring, or row by row when the
 * without-factor filter must look up each user's factors. A walk that stops
 * there answers what it found and where to go on (UserListPage.next).
 */
export interface WalkLimits {
  indexRows: number;
  rowRows: number;
}
const WALK_LIMITS: WalkLimits = { indexRows: 10_000, rowRows: 2_000 };

/** An FTS5 query for `text` as a literal substring: the trigram tokenizer matches a quoted phrase anywhere, and nothing inside quotes is syntax (%, _, *, AND …). */
export function literalPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

export interface UserListQuery {
  query: string;
  limit: number;
  /** The key the previous page ended at (its `next`), or null for the first page. */
  after: string | null;
  withoutFactor: boolean;
}

export interface UserListPage {
  rows: UserListRow[];
  /**
   * Where the next page starts (pass it as `after`), or null when there is
   * no more. A page may hold fewer than `limit` rows and still have a next:
   * its walk reached its bound first.
   */
  next: string | null;
}

/** How one search is answered: from the trigram index, or by a bounded walk over users in key order. */
export type SearchPlan = { kind: 'index'; phrase: string } | { kind: 'walk'; prefix: { lo: string; hi: string } | null; needle: string | null };

const U_COLUMNS = COLUMNS.split(', ')
  .map((c) => `u.${c}`)
  .join(', ');
const WITHOUT_FACTOR = `NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`;

/**
 * The SQL of one search page. Parameters: @after, @limit; @phrase (index);
 * @lo, @hi, @needle, @window (walk). Exported for the query-plan test.
 */
export function searchSql(plan: SearchPlan, withoutFactor: boolean): string {
  const filters = withoutFactor ? [WITHOUT_FACTOR] : [];
  if (plan.kind === 'index') {
    return `SELECT ${U_COLUMNS}, ${ACTIVE_FACTOR}
      FROM (SELECT rowid AS rid FROM users_fts WHERE users_fts MATCH @phrase) m JOIN users u ON u.rowid = m.rid
      WHERE ${['u.username_key > @after', ...filters].join(' AND ')}
      ORDER BY u.username_key LIMIT @limit`;
  }
  // The window: the next @window keys after @after, read from the covering index; only matches reach the table.
  if (plan.needle !== null) filters.unshift('instr(w.t, @needle) > 0');
  return `SELECT ${U_COLUMNS}, ${ACTIVE_FACTOR}
    FROM (${windowSql(plan, 'rowid AS rid, username_key AS k, search_text AS t')} LIMIT @window) w JOIN users u ON u.rowid = w.rid
    ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
    ORDER BY w.k LIMIT @limit`;
}

function windowSql(plan: Extract<SearchPlan, { kind: 'walk' }>, columns: string): string {
  const range = plan.prefix ? ' AND username_key >= @lo AND username_key < @hi' : '';
  return `SELECT ${columns} FROM users INDEXED BY users_by_key_text WHERE username_key > @after${range} ORDER BY username_key`;
}

export class UsersRepo {
  private readonly byKey;
  private readonly byId;
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly bySkeleton;
  private readonly withoutSkeleton;
  private readonly setSkeletonStmt;
  private readonly throttleStmt;
  private readonly countStmt;
  private readonly countIndexed;
  private readonly contactStmt;
  private readonly lastUsedStmt;

  constructor(
    private readonly db: Db,
    private readonly limits: WalkLimits = WALK_LIMITS,
  ) {
    const s = sqliteOf(db);
    this.byKey = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username_key = ?`);
    this.byId = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.insertStmt = s.prepare(
      `INSERT INTO users (id, username, username_key, username_skeleton, display_name, email, phone, search_text, created_at, directory_dn, directory_synced_at)
       VALUES (@id, @username, @username_key, @username_skeleton, @display_name, @email, @phone, @search_text, @created_at, @directory_dn, @directory_synced_at)`,
    );
    this.bySkeleton = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username_skeleton = ?`);
    this.withoutSkeleton = s.prepare<[], { id: string; username: string }>(
      'SELECT id, username FROM users WHERE username_skeleton IS NULL ORDER BY created_at, rowid',
    );
    this.setSkeletonStmt = s.prepare<[string, string]>('UPDATE users SET username_skeleton = ? WHERE id = ?');
    if (!s.readonly) this.fillSkeletons();
    this.deleteStmt = s.prepare<[string]>('DELETE FROM users WHERE id = ?');
    this.throttleStmt = s.prepare('UPDATE users SET failures = @failures, last_failure_at = @last_failure_at, locked_until = @locked_until WHERE id = @id');
    this.countStmt = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
    this.lastUsedStmt = s.prepare<[string, string, number, string]>(
      'UPDATE users SET last_factor_id = ?, last_factor_type = ?, last_verified_at = ? WHERE id = ?',
    );
    // search_text follows the fields it is made of (the FTS triggers follow search_text).
    this.contactStmt = s.prepare('UPDATE users SET display_name = @display_name, email = @email, phone = @phone, search_text = @search_text WHERE id = @id');
    this.countIndexed = s.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM users_fts WHERE users_fts MATCH ? LIMIT ${SPARSE_MATCHES})`,
    );
  }

  findByKey(key: string): UserRow | undefined {
    return this.byKey.get(key);
  }

  findById(id: string): UserRow | undefined {
    return this.byId.get(id);
  }

  /** The user whose name looks like `username` (the same skeleton), if any: the same user too, when one has that very name. */
  findLookAlike(username: string): UserRow | undefined {
    return this.bySkeleton.get(usernameSkeleton(username));
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE for a taken key or a look-alike name: services check first, to say which. */
  insert(
    row: Omit<
      UserRow,
      | 'failures'
      | 'last_failure_at'
      | 'locked_until'
      | 'phone'
      | 'last_factor_id'
      | 'last_factor_type'
      | 'last_verified_at'
      | 'directory_dn'
      | 'directory_synced_at'
      | 'disabled_at'
      | 'disabled_reason'
    > & {
      phone?: string | null;
      directory_dn?: string | null;
      directory_synced_at?: number | null;
    },
  ): void {
    this.insertStmt.run({
      phone: null,
      directory_dn: null,
      directory_synced_at: null,
      ...row,
      search_text: searchTextOf(row),
      username_skeleton: usernameSkeleton(row.username),
    });
  }

  /** Records the factor a successful verify used. */
  setLastUsed(id: string, factor: { id: string; type: string }, at: number): void {
    this.lastUsedStmt.run(factor.id, factor.type, at, id);
  }

  /** Sets a user's display name, email and phone (all three, as given). */
  setContact(row: Pick<UserRow, 'id' | 'username' | 'display_name' | 'email' | 'phone'>): boolean {
    const { id, display_name, email, phone } = row;
    return this.contactStmt.run({ id, display_name, email, phone, search_text: searchTextOf(row) }).changes === 1;
  }

  /**
   * Gives every user without a skeleton theirs (users from before migration
   * 0009; a look-alike of someone who has since gone), oldest first; a user
   * whose skeleton another holds stays without, and is never refused for it.
   * Cheap when there is nothing to do: one indexed look-up.
   */
  fillSkeletons(): void {
    const missing = this.withoutSkeleton.all();
    if (missing.length === 0) return;
    this.db.tx(() => {
      for (const u of missing) {
        const skeleton = usernameSkeleton(u.username);
        if (!this.bySkeleton.get(skeleton)) this.setSkeletonStmt.run(skeleton, u.id);
      }
    });
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

  /** The plan for a query: 1–2 characters walk usernames by prefix; a rare substring uses the trigram index; a common one walks. */
  searchPlan(query: string): SearchPlan {
    const q = query.toLowerCase();
    if (q === '') return { kind: 'walk', prefix: null, needle: null };
    if ([...q].length < MIN_SUBSTRING) {
      // One or two characters: the start of the username, from its index (a substring
      // that short matches nearly everyone and would walk the whole table for a rare pair).
      return { kind: 'walk', prefix: { lo: q, hi: `${q}\u{10ffff}` }, needle: null };
    }
    const phrase = literalPhrase(q);
    if (this.countIndexed.get(phrase)!.n < SPARSE_MATCHES) return { kind: 'index', phrase };
    return { kind: 'walk', prefix: null, needle: q };
  }

  /**
   * One page of users in username_key order, after `after`: a query of 1–2
   * characters matches the start of usernames, a longer one matches as a
   * literal substring (% and _ are just characters) of name, display name or
   * email. Every page is bounded: a rare substring is answered from the
   * trigram index (fewer than SPARSE_MATCHES rows), anything else by a walk
   * that looks at no more than its WalkLimits rows before it answers.
   */
  list(opts: UserListQuery): UserListPage {
    // Nothing stored holds a NUL, and FTS5 would read the phrase only up to one.
    if (opts.query.includes('\u0000')) return { rows: [], next: null };
    const plan = this.searchPlan(opts.query);
    const window = opts.withoutFactor ? this.limits.rowRows : this.limits.indexRows;
    const params: Record<string, unknown> = { after: opts.after ?? '', limit: opts.limit + 1 };
    if (plan.kind === 'index') params.phrase = plan.phrase;
    else {
      params.window = window;
      if (plan.prefix) Object.assign(params, plan.prefix);
      if (plan.needle !== null) params.needle = plan.needle;
    }
    const rows = this.statement<UserListRow>(searchSql(plan, opts.withoutFactor)).all(params);
    if (rows.length > opts.limit) {
      rows.length = opts.limit;
      return { rows, next: rows[rows.length - 1]!.username_key };
    }
    if (plan.kind === 'index') return { rows, next: null };
    // The walk looked at its whole window without filling the page: go on after the window's last key, if there are more.
    const end = this.statement<{ username_key: string }>(`${windowSql(plan, 'username_key')} LIMIT 1 OFFSET ${window - 1}`).get({
      after: params.after,
      ...plan.prefix,
    });
    return { rows, next: end ? end.username_key : null };
  }

  /** Search statements, prepared once per shape (a handful). */
  private readonly statements = new Map<string, Statement<Record<string, unknown>, unknown>>();

  private statement<R>(sql: string): Statement<Record<string, unknown>, R> {
    let st = this.statements.get(sql);
    if (!st) {
      st = sqliteOf(this.db).prepare<Record<string, unknown>, unknown>(sql);
      this.statements.set(sql, st);
    }
    return st as Statement<Record<string, unknown>, R>;
  }
}
