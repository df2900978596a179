import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE } from '../../core/policy/throttle';
import { foldForSearch } from '../../core/search/fold';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../testing/postgres';
import { Store } from '../index';
import { isLocked, matches, modelOrder, type UserModel } from '../../testing/userListModel';
import { translateSql } from '../pg/translate';
import {
  likePattern,
  parsePosition,
  POSTGRES_USER_SQL,
  searchSql,
  UsersRepo,
  type LockedFilter,
  type SortOrder,
  type UserListRow,
  type UserSort,
} from './users';

/**
 * Issue 17: the users list on PostgreSQL answers exactly what it answers on
 * SQLite. The same users go into a fresh SQLite store and a fresh PostgreSQL
 * database; every search, sort, direction, filter and page size is asked of
 * both, paged to the end, and must give the same rows in the same order —
 * and the users a plain model of the search picks, in the model's order.
 */

const available = postgresAvailable();
if (!available) console.warn('server/store/repos/users.postgres.test.ts skipped: PostgreSQL is not installed (apt-get install postgresql)');

const NOW = 1_800_000_000_000;
const MIN = 60_000;

interface Model extends UserModel {
  activeFactor: boolean;
}

const FIRST = ['Chloé', 'Zoë', 'Émile', 'Müller', 'Łukasz', 'Søren', 'Straße', 'anna', 'Bert', 'chen', 'Dana', 'Ægir', 'Ørjan', 'Ñandú', 'Renée'];
/** Names holding what LIKE (and a careless escape) would read as syntax, each with the look-alikes a wildcard would also match. */
const LITERALS = [
  'a_b',
  'axb',
  'a_bc',
  'xa_b',
  '50%',
  '500',
  '50%off',
  '5000',
  '%admin',
  'xadmin',
  '_svc',
  'xsvc',
  'back\\slash',
  'backxslash',
  'c\\_d',
  'c\\xd',
  'cx_d',
  'q*r',
  'qxr',
  'say"hi"',
];

function throttleOf(i: number): Pick<Model, 'failures' | 'lastFailure' | 'lockedUntil'> {
  switch (i % 23) {
    case 0:
      return { failures: 10, lastFailure: NOW - MIN, lockedUntil: NOW + 20 * MIN }; // locked
    case 1:
      return { failures: 10, lastFailure: NOW - 40 * MIN, lockedUntil: NOW - 10 * MIN }; // a lock that ran out
    case 2:
      return { failures: 5, lastFailure: NOW - 1000, lockedUntil: null }; // throttled for 4 s
    case 3:
      return { failures: 5, lastFailure: NOW - 10_000, lockedUntil: null }; // its delay is over
    case 4:
      return { failures: 2, lastFailure: NOW - 1000, lockedUntil: null }; // within the free attempts
    case 5:
      return { failures: 45, lastFailure: NOW - 1000, lockedUntil: null }; // a delay past 2^40 s: capped there, still throttled
    default:
      return { failures: 0, lastFailure: null, lockedUntil: null };
  }
}

function makePeople(): Model[] {
  const people: Model[] = [];
  for (let i = 0; i < 3000; i++) {
    const first = FIRST[i % FIRST.length]!;
    people.push({
      id: `u-${i}`,
      // Some usernames keep their accents, some differ only by them or by case.
      username: i % 5 === 0 ? `${first.toLowerCase()}.${i}` : `${foldForSearch(first)}${i % 7}.${i}`,
      display: i % 11 === 0 ? null : `${first} ${['Dupont', 'Östberg', 'Nguyễn', 'smith'][i % 4]} ${i % 13}`,
      // "example" is in more than 2,000 users (walked), "corp.test" in fewer (the trigram index).
      email: i % 17 === 0 ? null : `${foldForSearch(first)}.${i}@${i % 5 === 4 ? 'corp.test' : 'example.com'}`,
      created: NOW - ((i * 7919) % 3000) * MIN, // shuffled, with ties
      signIn: i % 3 === 0 ? null : NOW - ((i * 104729) % 500) * MIN,
      activeFactor: i % 4 === 0,
      ...throttleOf(i),
    });
  }
  // Usernames that fold alike: ties in the username sort (broken by the key), and in every other key.
  for (const [n, username] of ['tie.émile', 'tie.emile', 'tie.èmile', 'tie.êmile', 'tie.ëmile', 'tie.ēmile', 'tie.ėmile'].entries()) {
    people.push({
      id: `t-${n}`,
      username,
      display: 'Tie',
      email: null,
      created: NOW,
      signIn: null,
      failures: 0,
      lastFailure: null,
      lockedUntil: null,
      activeFactor: false,
    });
  }
  for (const [n, username] of LITERALS.entries()) {
    people.push({
      id: `l-${n}`,
      username,
      display: 'Literal',
      email: null,
      created: NOW - n,
      signIn: null,
      failures: 0,
      lastFailure: null,
      lockedUntil: null,
      activeFactor: false,
    });
  }
  return people;
}

function seed(store: Store, people: Model[]): void {
  store.tx(() => {
    for (const m of people) {
      store.users.insert({
        id: m.id,
        username: m.username,
        username_key: m.username.toLowerCase(),
        display_name: m.display,
        email: m.email,
        created_at: m.created,
      });
      if (m.signIn !== null) store.users.setLastUsed(m.id, { id: 'f', type: 'totp' }, m.signIn);
      if (m.failures > 0) store.users.setThrottle(m.id, { failures: m.failures, last_failure_at: m.lastFailure, locked_until: m.lockedUntil });
      if (m.activeFactor) store.factors.insertActive({ id: `f-${m.id}`, user_id: m.id, type: 'webauthn', label: null, created_at: m.created });
    }
  });
}

const LOCKED: LockedFilter = { now: NOW, freeAttempts: DEFAULT_THROTTLE.freeAttempts };

interface Ask {
  query: string;
  sort?: UserSort;
  order?: SortOrder;
  locked?: LockedFilter | null;
  withoutFactor?: boolean;
}

/** Every page from the first to the last: the rows a client paging through gets, and how many pages. */
function allPages(repo: UsersRepo, ask: Ask, limit: number): { rows: UserListRow[]; pages: number } {
  const rows: UserListRow[] = [];
  let after: string | null = null;
  for (let pages = 1; pages < 10_000; pages++) {
    const page = repo.list({
      query: ask.query,
      limit,
      after,
      withoutFactor: ask.withoutFactor ?? false,
      locked: ask.locked ?? null,
      sort: ask.sort,
      order: ask.order,
    });
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    if (page.next === null) return { rows, pages };
    expect(page.next).not.toBe(after); // always moves on
    after = page.next;
  }
  throw new Error('paging did not end');
}

const SORTS: UserSort[] = ['username', 'name', 'created', 'lastSignIn'];
const ORDERS: SortOrder[] = ['asc', 'desc'];

describe.skipIf(!available)('the users list on PostgreSQL and on SQLite: the same rows in the same order', () => {
  let server: TestPostgres;
  let dir: string;
  let lite: Store;
  let pgStore: Store;
  let people: Model[];

  beforeAll(async () => {
    server = await startPostgres();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-users-pg-'));
    lite = Store.open(path.join(dir, 'tessera.db'));
    pgStore = Store.open(server.url);
    people = makePeople();
    seed(lite, people);
    seed(pgStore, people);
  }, 180_000);

  afterAll(async () => {
    pgStore?.close();
    lite?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Asks both backends (their own repositories, or ones with the given walk limits); expects one answer, and returns it. */
  function both(ask: Ask, limit: number, limits?: { indexRows: number; rowRows: number }): { usernames: string[]; pages: number } {
    const repoOf = (s: Store) => (limits ? new UsersRepo(s.db, limits) : s.users);
    const onLite = allPages(repoOf(lite), ask, limit);
    const onPg = allPages(repoOf(pgStore), ask, limit);
    expect(
      onPg.rows.map((r) => r.username),
      JSON.stringify(ask),
    ).toEqual(onLite.rows.map((r) => r.username));
    expect(onPg.pages).toBe(onLite.pages);
    return { usernames: onLite.rows.map((r) => r.username), pages: onLite.pages };
  }

  it('is on the two backends it means to compare', () => {
    expect(lite.db.dialect).toBe('sqlite');
    expect(pgStore.db.dialect).toBe('postgres');
    expect(pgStore.users.count()).toBe(people.length);
    expect(lite.users.count()).toBe(people.length);
  });

  it('gives the same rows, column for column (has_active_factor a 0 or a 1 on both, numbers as numbers)', () => {
    for (const ask of [
      { query: '' },
      { query: 'corp.test', sort: 'created' as const },
      { query: 'ch', locked: LOCKED },
      { query: 'example', withoutFactor: true },
    ]) {
      const a = lite.users.list({ ...ask, limit: 40, after: null, withoutFactor: ask.withoutFactor ?? false });
      const b = pgStore.users.list({ ...ask, limit: 40, after: null, withoutFactor: ask.withoutFactor ?? false });
      expect(a.rows.length, JSON.stringify(ask)).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
    const row = pgStore.users.list({ query: 'chloe.0', limit: 1, after: null, withoutFactor: false }).rows[0]!;
    expect(row).toMatchObject({ id: 'u-0', has_active_factor: 1, failures: 10, created_at: NOW, locked_until: NOW + 20 * MIN });
    expect(pgStore.users.list({ query: 'zoe1.1', limit: 1, after: null, withoutFactor: false }).rows[0]!.has_active_factor).toBe(0);
  });

  const QUERIES = [
    'chloe',
    'CHLOÉ DUPONT',
    'muller',
    'MÜLLER',
    'strasse',
    'Straße',
    'østberg',
    'nguyen',
    'Nguyễn',
    'renee',
    'ch',
    'çh',
    'so',
    'SØ',
    'ti',
    'tie.emile',
    'corp.test',
    'example',
    'a_b',
    '50%',
    '%admin',
    'x%_y',
    '%',
    '_',
    '\\',
    'k\\s',
    'c\\_',
    '\\_d',
    'q*r',
    'say"hi"',
    '"""',
    'nothing-here',
  ];

  it('every search: the same users on both, the model’s users, in order, through pages of 7', () => {
    for (const query of QUERIES) {
      expect(pgStore.users.searchPlan(query).kind, query).toBe(lite.users.searchPlan(query).kind);
      const { usernames } = both({ query }, 7);
      expect(usernames, query).toEqual(
        modelOrder(
          people.filter((m) => matches(m, query)),
          'username',
          'asc',
        ),
      );
    }
    // The plans the cases go through: the trigram index for a rare substring, the walk for a common one.
    expect(pgStore.users.searchPlan('corp.test').kind).toBe('index');
    expect(pgStore.users.searchPlan('example').kind).toBe('walk');
    expect(pgStore.users.searchPlan('ch').kind).toBe('walk');
  });

  it('% _ and \\ are characters, never wildcards or escapes, on both', () => {
    const q = (query: string) => both({ query }, 50).usernames;
    expect(q('a_b')).toEqual(['a_b', 'a_bc', 'xa_b']);
    expect(q('50%')).toEqual(['50%', '50%off']);
    expect(q('%admin')).toEqual(['%admin']);
    expect(q('%')).toEqual(['%admin']); // one character: the start of usernames
    expect(q('_')).toEqual(['_svc']);
    expect(q('k\\s')).toEqual(['back\\slash']);
    expect(q('c\\_')).toEqual(['c\\_d']);
    expect(q('\\_d')).toEqual(['c\\_d']);
    expect(q('\\')).toEqual([]); // one character: no username starts with a backslash
    expect(q('q*r')).toEqual(['q*r']);
  });

  for (const sort of SORTS) {
    for (const order of ORDERS) {
      it(`sorted by ${sort} ${order}: every user once, the same order on both, across many pages`, () => {
        const all = both({ query: '', sort, order }, 97);
        expect(all.usernames).toEqual(modelOrder(people, sort, order));
        expect(all.pages).toBeGreaterThan(30);
        // Small walk windows: pages that end at the window, not at the limit.
        const tiny = { indexRows: 50, rowRows: 20 };
        for (const query of ['example', 'ch', 'corp.test', 'CHLOÉ DUPONT']) {
          expect(both({ query, sort, order }, 31, tiny).usernames, query).toEqual(
            modelOrder(
              people.filter((m) => matches(m, query)),
              sort,
              order,
            ),
          );
        }
        // Ties in every key, split across pages of 2.
        expect(both({ query: 'ti', sort, order }, 2).usernames).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'ti')),
            sort,
            order,
          ),
        );
      });
    }
  }

  it('the locked filter: the users the throttle policy refuses now, the same on both, in each order', () => {
    const want = people.filter((m) => isLocked(m, NOW));
    expect(want.length).toBeGreaterThan(100);
    // A delay of 2^42 s, capped at 2^40 s in SQL: a 32-bit shift would make it 256 s (checked an hour on, below).
    expect(want.some((m) => m.failures === 45)).toBe(true);
    expect(pgStore.users.searchPlan('', true).kind).toBe('failing');
    for (const sort of SORTS) {
      for (const order of ORDERS) {
        expect(both({ query: '', sort, order, locked: LOCKED }, 13).usernames, `${sort} ${order}`).toEqual(modelOrder(want, sort, order));
      }
    }
    for (const query of ['zo', 'muller', 'example', 'corp.test']) {
      expect(both({ query, locked: LOCKED }, 5).usernames, query).toEqual(
        modelOrder(
          want.filter((m) => matches(m, query)),
          'username',
          'asc',
        ),
      );
    }
    const later = people.filter((m) => isLocked(m, NOW + 60 * MIN));
    expect(later.map((m) => m.failures)).toEqual(later.map(() => 45));
    expect(later.length).toBeGreaterThan(10);
    expect(both({ query: '', locked: { ...LOCKED, now: NOW + 60 * MIN } }, 50).usernames).toEqual(modelOrder(later, 'username', 'asc'));
  });

  it('the locked filter when many users fail (walked in bounded windows), and the without-factor filter, the same on both', () => {
    const extra = people.filter((m) => m.failures === 0).slice(0, 2100);
    const setAll = (s: Store, failures: number) =>
      s.tx(() => {
        for (const m of extra) s.users.setThrottle(m.id, { failures, last_failure_at: failures ? NOW - 1000 : null, locked_until: null });
      });
    setAll(lite, 1);
    setAll(pgStore, 1);
    try {
      expect(pgStore.users.searchPlan('', true).kind).toBe('walk');
      expect(lite.users.searchPlan('', true).kind).toBe('walk');
      const want = people.filter((m) => isLocked(m, NOW));
      expect(both({ query: '', sort: 'lastSignIn', order: 'desc', locked: LOCKED }, 9, { indexRows: 100, rowRows: 40 }).usernames).toEqual(
        modelOrder(want, 'lastSignIn', 'desc'),
      );
    } finally {
      setAll(lite, 0);
      setAll(pgStore, 0);
    }
    const without = both({ query: '', withoutFactor: true, sort: 'created', order: 'asc' }, 50, { indexRows: 100, rowRows: 40 });
    expect(without.usernames).toEqual(
      modelOrder(
        people.filter((m) => !m.activeFactor),
        'created',
        'asc',
      ),
    );
  });

  it('a position whose value is not of its sort’s kind is refused on both, before any SQL', () => {
    for (const [after, sort] of [
      ['["x","k"]', 'created'],
      ['["0","k"]', 'lastSignIn'],
      ['[5,"k"]', 'username'],
      ['[5,"k"]', 'name'],
    ] as const) {
      expect(parsePosition(after, sort)).toBeNull();
      expect(parsePosition(after)).not.toBeNull(); // well formed: only its kind is wrong
      for (const s of [lite, pgStore])
        expect(() => s.users.list({ query: '', limit: 5, after, withoutFactor: false, sort }), `${s.db.dialect} ${sort}`).toThrow(/Not a position/);
    }
    // The right kinds page on.
    expect(pgStore.users.list({ query: '', limit: 2, after: '[0,"a"]', withoutFactor: false, sort: 'created' }).rows).toHaveLength(2);
  });

  it('a NUL in a search or a lookup finds no one on both, and reaches no SQL (PostgreSQL text cannot hold one)', () => {
    for (const s of [lite, pgStore]) {
      expect(s.users.list({ query: 'chl\u0000oe', limit: 5, after: null, withoutFactor: false })).toEqual({ rows: [], next: null });
      expect(s.users.findByKey('chloe.0\u0000')).toBeUndefined();
      expect(s.users.findById('u-0\u0000')).toBeUndefined();
      expect(s.users.findLookAlike('chloe.0\u0000')).toBeUndefined();
      expect(s.users.findByKey('chloé.0')?.id).toBe('u-0');
    }
  });

  it('on PostgreSQL a rare substring is answered from the trigram index (users_search_trgm), LIKE escapes and all', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      // Fresh statistics, as autovacuum keeps them. On 3,000 users a scan (of the table, or of the sort's index
      // to the first 51 matches) is the cheaper plan, so both are priced out: what is asked is whether the
      // trigram index can answer this SQL at all (LIKE, its escape, COLLATE "C").
      await client.query('ANALYZE users');
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_indexscan = off');
      // (pg_trgm indexes letters and digits: a query of mostly punctuation, like "a_b", gets little from it, and is rechecked all the same.)
      for (const query of ['chloé dupont', 'back\\slash', 'ck\\sla', 'say"hi"', 'zzz-nobody']) {
        const plan = pgStore.users.searchPlan(query);
        expect(plan).toEqual({ kind: 'index', phrase: likePattern(foldForSearch(query)) });
        const phrase = likePattern(foldForSearch(query));
        // The first page (a later one may rightly seek the sort's index by its keyset instead).
        const page = translateSql(searchSql(plan, { sort: 'name', order: 'desc', after: false, withoutFactor: false, locked: false }, POSTGRES_USER_SQL));
        const values: Record<string, unknown> = { phrase, limit: 51 };
        const text = (
          await client.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN ${page.text}`,
            page.names!.map((n) => values[n]),
          )
        ).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        expect(text, text).toMatch(/Bitmap Index Scan on users_search_trgm/);
      }
    } finally {
      await client.end();
    }
  });
});
