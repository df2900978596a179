import { connectionOf } from '../connection';
import type { SqlStatement } from '../sql';
import { usernameSkeleton } from '../../core/usernames/skeleton';
import { foldForSearch } from '../../core/search/fold';
import { NO_NAME, userSortKeys } from './userSearchText';
import type { Db } from '../db';
import type { SqlDialect } from '../sql';

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

/** Shorter queries (once folded) match the start of usernames; longer ones match anywhere in name, display name or email. */
export const MIN_SUBSTRING = 3;

/** Below this many candidates (trigram matches, failing users) an index answers a search; at or above it, an ordered walk does. */
const SPARSE_MATCHES = 2000;

/**
 * Rows one request looks at in a walk, at most (a few milliseconds each way):
 * through the sort's covering index for a substring, or row by row when a
 * filter (without a factor, locked) must look at each user's row. A walk that
 * stops there answers what it found and where to go on (UserListPage.next).
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

/** A LIKE pattern (ESCAPE '\') for `text` as a literal substring: %, _ and \ are escaped, so they are only characters. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** The orders the users list offers; each is (its key, username_key) with an index of its own. */
export type UserSort = 'username' | 'name' | 'created' | 'lastSignIn';
export type SortOrder = 'asc' | 'desc';

const SORTS: Record<UserSort, { expr: string; index: string; numeric: boolean }> = {
  // Folded: "Émile" sorts with "emile", not after "z".
  username: { expr: 'username_fold', index: 'users_by_fold', numeric: false },
  // Folded display name; a user without one after every name (NO_NAME).
  name: { expr: 'name_sort', index: 'users_by_name', numeric: false },
  created: { expr: 'created_at', index: 'users_by_created', numeric: true },
  // Never signed in counts as the longest ago.
  lastSignIn: { expr: 'coalesce(last_verified_at, 0)', index: 'users_by_sign_in', numeric: true },
};

/** Where a page ended: the sort key's value and the username key of its last row. */
interface SortKey {
  v: string | number;
  k: string;
}

/** A page's end as the opaque text `after`/`next` carry (JSON of [value, username key]). */
function positionText(key: SortKey): string {
  return JSON.stringify([key.v, key.k]);
}

/**
 * The position in `text`, or null when it is not one `list` gave (callers
 * check cursors with this before passing them on). Given the sort, the value
 * must be of its kind too: a number for created and lastSignIn, text for the
 * others (PostgreSQL refuses text compared with a number column; SQLite would
 * quietly order it after every number).
 */
export function parsePosition(text: string, sort?: UserSort): SortKey | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return null;
  const [v, k] = parsed as unknown[];
  if (typeof k !== 'string' || !(typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v)))) return null;
  if (sort !== undefined && (typeof v === 'number') !== SORTS[sort].numeric) return null;
  return { v, k };
}

/** Users who cannot sign in right now for their failures: locked, or inside a throttle delay (core/policy/throttle, in SQL). */
export interface LockedFilter {
  now: number;
  freeAttempts: number;
}

export interface UserListQuery {
  query: string;
  limit: number;
  /** Where the previous page ended (its `next`, checked with parsePosition), or null for the first page. */
  after: string | null;
  withoutFactor: boolean;
  /** Only users locked or throttled at `now`. */
  locked?: LockedFilter | null;
  sort?: UserSort;
  order?: SortOrder;
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

/**
 * How one search is answered: from the trigram index, from the few users
 * with failures (the locked filter), or by a bounded walk over users in the
 * sort's order. `prefix` is a range of folded usernames (1–2 characters),
 * `needle` a folded substring.
 */
export type SearchPlan =
  | { kind: 'index'; phrase: string }
  | { kind: 'failing'; prefix: { lo: string; hi: string } | null; needle: string | null }
  | { kind: 'walk'; prefix: { lo: string; hi: string } | null; needle: string | null };

export interface SearchShape {
  sort: UserSort;
  order: SortOrder;
  /** A page after the first (the keyset condition on @v, @k). */
  after: boolean;
  withoutFactor: boolean;
  locked: boolean;
}

const U_COLUMNS = COLUMNS.split(', ')
  .map((c) => `u.${c}`)
  .join(', ');
const WITHOUT_FACTOR = `NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`;

/**
 * What the users queries write differently per dialect, chosen once per
 * repository. SQLite's is the SQL bench/userSearch.ts tuned (FTS5, rowid
 * joins, INDEXED BY); PostgreSQL's reads the same indexes by name through its
 * planner and searches substrings with LIKE over the pg_trgm index.
 */
export interface UserSql {
  /** 1 when the user has an active factor, else 0 (UserListRow.has_active_factor). */
  activeFactor: string;
  /** The locked filter (@now, @free). */
  locked: string;
  /** True when `text` holds the parameter `param` (a literal substring). */
  contains(text: string, param: string): string;
  /** After `FROM users`: an index to use, or nothing. */
  indexedBy(index: string): string;
  /** The column a window's rows are joined back to users by. */
  rowKey: string;
  /** The index plan's rows (@phrase): its FROM, and its condition (null when the FROM holds it). */
  indexFrom: string;
  indexWhere: string | null;
  /** How many users hold the phrase (?), counted to SPARSE_MATCHES at most. */
  indexCount: string;
  /** The @phrase for a folded substring. */
  phraseOf(text: string): string;
  /** Users without a skeleton, oldest first. */
  withoutSkeleton: string;
}

// evaluateThrottle in SQL: a lock in force, or (no lock, a lapsed lock being a fresh start) a delay of 2^(failures - free) s not yet over.
const LOCKED_OVER = (delay: string) =>
  `(u.locked_until > @now OR (u.locked_until IS NULL AND u.failures > @free AND u.last_failure_at + ${delay} * 1000 > @now))`;
const ACTIVE_FACTOR_EXISTS = `EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`;

export const SQLITE_USER_SQL: UserSql = {
  activeFactor: `${ACTIVE_FACTOR_EXISTS} AS has_active_factor`,
  locked: LOCKED_OVER('(1 << min(u.failures - @free, 40))'),
  contains: (text, param) => `instr(${text}, ${param}) > 0`,
  indexedBy: (index) => ` INDEXED BY ${index}`,
  rowKey: 'rowid',
  indexFrom: '(SELECT rowid AS rid FROM users_fts WHERE users_fts MATCH @phrase) m JOIN users u ON u.rowid = m.rid',
  indexWhere: null,
  indexCount: `SELECT count(*) AS n FROM (SELECT 1 FROM users_fts WHERE users_fts MATCH ? LIMIT ${SPARSE_MATCHES}) AS m`,
  phraseOf: literalPhrase,
  withoutSkeleton: 'SELECT id, username FROM users WHERE username_skeleton IS NULL ORDER BY created_at, rowid',
};

export const POSTGRES_USER_SQL: UserSql = {
  // EXISTS is a boolean in PostgreSQL; the row type says 0 or 1.
  activeFactor: `CASE WHEN ${ACTIVE_FACTOR_EXISTS} THEN 1 ELSE 0 END AS has_active_factor`,
  // No two-argument min(), and a bare 1 is a 32-bit integer (1 << 40 would be 256).
  locked: LOCKED_OVER('(CAST(1 AS BIGINT) << CAST(CASE WHEN u.failures - @free < 40 THEN u.failures - @free ELSE 40 END AS INTEGER))'),
  contains: (text, param) => `strpos(${text}, ${param}) > 0`,
  indexedBy: () => '',
  rowKey: 'id',
  // users_search_trgm (pg_trgm GIN) answers a LIKE '%…%' of 3 or more characters.
  indexFrom: 'users u',
  indexWhere: "u.search_text LIKE @phrase ESCAPE '\\'",
  indexCount: `SELECT count(*) AS n FROM (SELECT 1 FROM users WHERE search_text LIKE ? ESCAPE '\\' LIMIT ${SPARSE_MATCHES}) AS m`,
  phraseOf: likePattern,
  withoutSkeleton: 'SELECT id, username FROM users WHERE username_skeleton IS NULL ORDER BY created_at, id',
};

export function userSqlOf(dialect: SqlDialect): UserSql {
  return dialect === 'postgres' ? POSTGRES_USER_SQL : SQLITE_USER_SQL;
}

function orderBy(shape: SearchShape, s: string, k: string): string {
  const dir = shape.order === 'desc' ? 'DESC' : 'ASC';
  return `${s} ${dir}, ${k} ${dir}`;
}

/** After (@v, @k) in the sort's direction. The first term lets SQLite seek an expression index (coalesce(…)), which a row value alone does not. */
function keyset(shape: SearchShape, s: string, k: string): string {
  const [op, eq] = shape.order === 'desc' ? ['<', '<='] : ['>', '>='];
  return `${s} ${eq} @v AND (${s}, ${k}) ${op} (@v, @k)`;
}

/**
 * The SQL of one search page. Parameters: @limit; @v, @k (a page after the
 * first); @phrase (index); @lo, @hi, @needle, @window (walk); @now, @free
 * (locked). Exported for the query-plan test.
 */
export function searchSql(plan: SearchPlan, shape: SearchShape, sql: UserSql = SQLITE_USER_SQL): string {
  const sort = SORTS[shape.sort];
  const filters: string[] = [];
  if (shape.withoutFactor) filters.push(WITHOUT_FACTOR);
  if (shape.locked) filters.push(sql.locked);
  const sortValue = sort.expr.includes('(') ? sort.expr.replace('last_verified_at', 'u.last_verified_at') : `u.${sort.expr}`;
  const head = `SELECT ${U_COLUMNS}, ${sql.activeFactor}, ${sortValue} AS sort_value`;
  if (plan.kind === 'index' || plan.kind === 'failing') {
    if (shape.after) filters.unshift(keyset(shape, sortValue, 'u.username_key'));
    if (plan.kind === 'failing') {
      filters.unshift('u.failures > 0');
      if (plan.prefix) filters.push('u.search_text >= @lo AND u.search_text < @hi');
      if (plan.needle !== null) filters.push(sql.contains('u.search_text', '@needle'));
    } else if (sql.indexWhere !== null) filters.unshift(sql.indexWhere);
    const from = plan.kind === 'index' ? sql.indexFrom : `users u${sql.indexedBy('users_failing')}`;
    return `${head}
      FROM ${from}
      ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
      ORDER BY ${orderBy(shape, sortValue, 'u.username_key')} LIMIT @limit`;
  }
  // The window: the next @window users in the sort's order, read from its covering index; only matches reach the table.
  if (plan.needle !== null) filters.unshift(sql.contains('w.t', '@needle'));
  if (plan.prefix) filters.unshift('w.t >= @lo AND w.t < @hi');
  return `${head}
    FROM (${windowSql(plan, shape, `${sql.rowKey} AS rid, %s AS s, username_key AS k, search_text AS t`, sql)} LIMIT @window) w JOIN users u ON u.${sql.rowKey} = w.rid
    ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
    ORDER BY ${orderBy(shape, 'w.s', 'w.k')} LIMIT @limit`;
}

/** The walk's window over the sort's index (`%s` in columns is the sort key); a username prefix is a range of that same index. */
function windowSql(plan: Extract<SearchPlan, { kind: 'walk' }>, shape: SearchShape, columns: string, sql: UserSql): string {
  const sort = SORTS[shape.sort];
  const where: string[] = [];
  if (shape.after) where.push(keyset(shape, sort.expr, 'username_key'));
  if (plan.prefix && shape.sort === 'username') where.push('username_fold >= @lo AND username_fold < @hi');
  return `SELECT ${columns.replace('%s', sort.expr)} FROM users${sql.indexedBy(sort.index)}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy(shape, sort.expr, 'username_key')}`;
}

/** A search statement's parameters: by name, or none at all. */
type SearchParams = [Record<string, unknown>] | [];

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
  private readonly countFailing;
  private readonly disableStmt;
  private readonly enableStmt;
  private readonly contactStmt;
  private readonly lastUsedStmt;
  private readonly sql: UserSql;

  constructor(
    private readonly db: Db,
    private readonly limits: WalkLimits = WALK_LIMITS,
  ) {
    const s = connectionOf(db);
    this.sql = userSqlOf(db.dialect);
    this.byKey = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username_key = ?`);
    this.byId = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.insertStmt = s.prepare(
      `INSERT INTO users (id, username, username_key, username_skeleton, display_name, email, phone, search_text, username_fold, name_sort, created_at, directory_dn, directory_synced_at)
       VALUES (@id, @username, @username_key, @username_skeleton, @display_name, @email, @phone, @search_text, @username_fold, @name_sort, @created_at, @directory_dn, @directory_synced_at)`,
    );
    this.bySkeleton = s.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username_skeleton = ?`);
    this.withoutSkeleton = s.prepare<[], { id: string; username: string }>(this.sql.withoutSkeleton);
    this.setSkeletonStmt = s.prepare<[string, string]>('UPDATE users SET username_skeleton = ? WHERE id = ?');
    if (!db.readonly) this.fillSkeletons();
    this.deleteStmt = s.prepare<[string]>('DELETE FROM users WHERE id = ?');
    this.throttleStmt = s.prepare('UPDATE users SET failures = @failures, last_failure_at = @last_failure_at, locked_until = @locked_until WHERE id = @id');
    this.countStmt = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
    this.lastUsedStmt = s.prepare<[string, string, number, string]>(
      'UPDATE users SET last_factor_id = ?, last_factor_type = ?, last_verified_at = ? WHERE id = ?',
    );
    // The search and sort columns follow the fields they are made of (the FTS triggers follow search_text).
    this.contactStmt = s.prepare(
      'UPDATE users SET display_name = @display_name, email = @email, phone = @phone, search_text = @search_text, username_fold = @username_fold, name_sort = @name_sort WHERE id = @id',
    );
    this.disableStmt = s.prepare<[number, string, string]>('UPDATE users SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL');
    this.enableStmt = s.prepare<[string]>('UPDATE users SET disabled_at = NULL, disabled_reason = NULL WHERE id = ? AND disabled_at IS NOT NULL');
    this.countFailing = s.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM users${this.sql.indexedBy('users_failing')} WHERE failures > 0 LIMIT ${SPARSE_MATCHES}) AS m`,
    );
    this.countIndexed = s.prepare<[string], { n: number }>(this.sql.indexCount);
  }

  // No stored name holds a NUL (the schemas refuse control characters) and PostgreSQL text cannot: a key with one finds no one, on both.
  findByKey(key: string): UserRow | undefined {
    return key.includes('\u0000') ? undefined : this.byKey.get(key);
  }

  findById(id: string): UserRow | undefined {
    return id.includes('\u0000') ? undefined : this.byId.get(id);
  }

  /** The user whose name looks like `username` (the same skeleton), if any: the same user too, when one has that very name. */
  findLookAlike(username: string): UserRow | undefined {
    const skeleton = usernameSkeleton(username);
    return skeleton.includes('\u0000') ? undefined : this.bySkeleton.get(skeleton);
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
      ...userSortKeys(row),
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
    return this.contactStmt.run({ id, display_name, email, phone, ...userSortKeys(row) }).changes === 1;
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

  /** Disables an enabled user (verify and challenge refuse them; factors kept); false when they were disabled already. */
  disable(id: string, at: number, reason: string): boolean {
    return this.disableStmt.run(at, reason, id).changes === 1;
  }

  /** Enables a disabled user; false when they were not disabled. */
  enable(id: string): boolean {
    return this.enableStmt.run(id).changes === 1;
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
   * The plan for a query (folded here, as stored): 1–2 characters walk
   * folded usernames by prefix; a rare substring uses the trigram index; the
   * locked filter uses the few users with failures when they are few; any
   * other walks in the sort's order.
   */
  searchPlan(query: string, locked = false): SearchPlan {
    const q = foldForSearch(query);
    let prefix: { lo: string; hi: string } | null = null;
    let needle: string | null = null;
    if ([...q].length >= MIN_SUBSTRING) {
      const phrase = this.sql.phraseOf(q);
      if (this.countIndexed.get(phrase)!.n < SPARSE_MATCHES) return { kind: 'index', phrase };
      needle = q;
    } else if (q !== '') {
      // One or two characters: the start of the username (a substring that short matches
      // nearly everyone and would walk the whole table for a rare pair).
      prefix = { lo: q, hi: `${q}${NO_NAME}` };
    }
    if (locked && this.countFailing.get()!.n < SPARSE_MATCHES) return { kind: 'failing', prefix, needle };
    return { kind: 'walk', prefix, needle };
  }

  /**
   * One page of users in the sort's order (username by default), after
   * `after`: a query of 1–2 characters matches the start of usernames, a
   * longer one matches as a literal substring (% and _ are just characters)
   * of name, display name or email — folded, so accents and case do not
   * matter either way. Every page is bounded: a rare substring is answered
   * from the trigram index (fewer than SPARSE_MATCHES rows), the locked
   * filter from the users with failures while they are few, anything else
   * by a walk that looks at no more than its WalkLimits rows before it answers.
   */
  list(opts: UserListQuery): UserListPage {
    // Nothing stored holds a NUL, and FTS5 would read the phrase only up to one.
    if (opts.query.includes('\u0000')) return { rows: [], next: null };
    const locked = opts.locked ?? null;
    const sort = opts.sort ?? 'username';
    const after = opts.after === null ? null : parsePosition(opts.after, sort);
    if (opts.after !== null && after === null) throw new Error('Not a position this list gave');
    const plan = this.searchPlan(opts.query, locked !== null);
    const shape: SearchShape = {
      sort,
      order: opts.order ?? 'asc',
      after: after !== null,
      withoutFactor: opts.withoutFactor,
      locked: locked !== null,
    };
    const window = opts.withoutFactor || locked ? this.limits.rowRows : this.limits.indexRows;
    const params: Record<string, unknown> = { limit: opts.limit + 1 };
    if (after) Object.assign(params, after);
    if (locked) Object.assign(params, { now: locked.now, free: locked.freeAttempts });
    if (plan.kind === 'index') params.phrase = plan.phrase;
    else {
      if (plan.kind === 'walk') params.window = window;
      if (plan.prefix) Object.assign(params, plan.prefix);
      if (plan.needle !== null) params.needle = plan.needle;
    }
    const rows = this.statement<UserListRow & { sort_value: string | number }>(searchSql(plan, shape, this.sql)).all(params);
    if (rows.length > opts.limit) {
      rows.length = opts.limit;
      const last = rows[rows.length - 1]!;
      return { rows, next: positionText({ v: last.sort_value, k: last.username_key }) };
    }
    if (plan.kind !== 'walk') return { rows, next: null };
    // The walk looked at its whole window without filling the page: go on after the window's last key, if there are more.
    const endSql = `${windowSql(plan, shape, '%s AS s, username_key AS k', this.sql)} LIMIT 1 OFFSET ${window - 1}`;
    // A first page's window without a prefix has no parameters (PostgreSQL would take an object given to none for a positional one).
    const endParams: SearchParams = endSql.includes('@') ? [{ ...(after ?? {}), ...plan.prefix }] : [];
    const end = this.statement<{ s: string | number; k: string }>(endSql).get(...endParams);
    return { rows, next: end ? positionText({ v: end.s, k: end.k }) : null };
  }

  /** Search statements, prepared once per shape (a handful). */
  private readonly statements = new Map<string, SqlStatement<SearchParams, unknown>>();

  private statement<R>(sql: string): SqlStatement<SearchParams, R> {
    let st = this.statements.get(sql);
    if (!st) {
      st = connectionOf(this.db).prepare<Record<string, unknown>, unknown>(sql);
      this.statements.set(sql, st);
    }
    return st as SqlStatement<SearchParams, R>;
  }
}
