import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE } from '../../core/policy/throttle';
import { foldForSearch } from '../../core/search/fold';
import { Store } from '../index';
import { isLocked, matches, modelOrder, type UserModel } from '../../testing/userListModel';
import { MIGRATIONS } from '../migrations/index';
import { rawSqlite } from '../testing';
import { parsePosition, searchSql, UsersRepo, type LockedFilter, type SortOrder, type UserSort } from './users';

/**
 * The users list's orders, its locked filter and its folded search, against
 * a plain model: every sort and direction, paged with a small limit, through
 * the index and through bounded walks, gives exactly the model's users in
 * the model's order — the keyset never skips or repeats a user.
 */
const NOW = 1_800_000_000_000;
const MIN = 60_000;

type Model = UserModel;

const FIRST = ['Chloé', 'Zoë', 'Émile', 'Müller', 'Łukasz', 'Søren', 'Straße', 'anna', 'Bert', 'chen', 'Dana', 'Ægir', 'Ørjan', 'Ñandú', 'Renée'];
const people: Model[] = [];
let dir: string;
let store: Store;

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
    default:
      return { failures: 0, lastFailure: null, lockedUntil: null };
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-user-sort-'));
  store = Store.open(path.join(dir, 'tessera.db'));
  store.tx(() => {
    for (let i = 0; i < 3000; i++) {
      const first = FIRST[i % FIRST.length]!;
      // Some usernames keep their accents, some differ only by them or by case.
      const username = i % 5 === 0 ? `${first.toLowerCase()}.${i}` : `${foldForSearch(first)}${i % 7}.${i}`;
      const m: Model = {
        id: randomUUID(),
        username,
        display: i % 11 === 0 ? null : `${first} ${['Dupont', 'Östberg', 'Nguyễn', 'smith'][i % 4]} ${i % 13}`,
        email: i % 17 === 0 ? null : `${foldForSearch(first)}.${i}@${i % 2 ? 'example.com' : 'corp.test'}`,
        created: NOW - ((i * 7919) % 3000) * MIN, // shuffled, with ties
        signIn: i % 3 === 0 ? null : NOW - ((i * 104729) % 500) * MIN,
        ...throttleOf(i),
      };
      people.push(m);
      store.users.insert({ id: m.id, username, username_key: username.toLowerCase(), display_name: m.display, email: m.email, created_at: m.created });
      if (m.signIn !== null) store.users.setLastUsed(m.id, { id: 'f', type: 'totp' }, m.signIn);
      if (m.failures > 0) store.users.setThrottle(m.id, { failures: m.failures, last_failure_at: m.lastFailure, locked_until: m.lockedUntil });
    }
    // Usernames that fold alike (ties of the username sort, broken by the username key), with ties in every other key too.
    for (const username of ['tie.émile', 'tie.emile', 'tie.èmile', 'tie.êmile', 'tie.ëmile', 'tie.ēmile', 'tie.ėmile']) {
      const m: Model = {
        id: randomUUID(),
        username,
        display: 'Tie',
        email: null,
        created: NOW,
        signIn: null,
        failures: 0,
        lastFailure: null,
        lockedUntil: null,
      };
      people.push(m);
      store.users.insert({ id: m.id, username, username_key: username, display_name: 'Tie', email: null, created_at: NOW });
    }
  });
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const LOCKED: LockedFilter = { now: NOW, freeAttempts: DEFAULT_THROTTLE.freeAttempts };

function allPages(repo: UsersRepo, opts: { query: string; sort: UserSort; order: SortOrder; locked?: LockedFilter | null }, limit: number): string[] {
  const out: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 10_000; i++) {
    const page = repo.list({ query: opts.query, limit, after, withoutFactor: false, locked: opts.locked ?? null, sort: opts.sort, order: opts.order });
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    out.push(...page.rows.map((r) => r.username));
    if (page.next === null) return out;
    expect(page.next).not.toBe(after); // always moves on
    after = page.next;
  }
  throw new Error('paging did not end');
}

const SORTS: UserSort[] = ['username', 'name', 'created', 'lastSignIn'];
const ORDERS: SortOrder[] = ['asc', 'desc'];

describe('sorting the users list (keyset pages)', () => {
  for (const sort of SORTS) {
    for (const order of ORDERS) {
      it(`${sort} ${order}: every user once, in order, through the index walk and through small windows`, () => {
        const want = modelOrder(people, sort, order);
        expect(allPages(store.users, { query: '', sort, order }, 97)).toEqual(want);
        const tiny = new UsersRepo(store.db, { indexRows: 50, rowRows: 20 });
        expect(allPages(tiny, { query: 'example', sort, order }, 31)).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'example')),
            sort,
            order,
          ),
        );
        expect(allPages(tiny, { query: 'ch', sort, order }, 31)).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'ch')),
            sort,
            order,
          ),
        );
        // Ties in every key (usernames that fold alike), split across pages of 2.
        expect(allPages(tiny, { query: 'ti', sort, order }, 2)).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'ti')),
            sort,
            order,
          ),
        );
        expect(allPages(store.users, { query: 'TIE.EMILE', sort, order }, 2)).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'tie.emile')),
            sort,
            order,
          ),
        );
        // A rare query comes from the trigram index, sorted there.
        expect(allPages(store.users, { query: 'CHLOÉ DUPONT', sort, order }, 7)).toEqual(
          modelOrder(
            people.filter((m) => matches(m, 'chloe dupont')),
            sort,
            order,
          ),
        );
      });
    }
  }

  it('a user without a display name sorts after every name (and first when descending)', () => {
    const first = store.users.list({ query: '', limit: 1, after: null, withoutFactor: false, sort: 'name', order: 'desc' }).rows[0]!;
    expect(first.display_name).toBeNull();
    const firstAsc = store.users.list({ query: '', limit: 1, after: null, withoutFactor: false, sort: 'name', order: 'asc' }).rows[0]!;
    expect(firstAsc.display_name).not.toBeNull();
  });

  it('a page that is changed under it goes on from where it was: no user is skipped or repeated', () => {
    const page1 = store.users.list({ query: '', limit: 50, after: null, withoutFactor: false, sort: 'created', order: 'desc' });
    // A new user older than every row on page 1 shows up on a later page; one newer than them does not.
    const older = { id: randomUUID(), username: 'zz-older', username_key: 'zz-older', display_name: null, email: null, created_at: NOW - 4000 * MIN };
    const newer = { id: randomUUID(), username: 'zz-newer', username_key: 'zz-newer', display_name: null, email: null, created_at: NOW + MIN };
    store.users.insert(older);
    store.users.insert(newer);
    try {
      const rest: string[] = [];
      let after = page1.next;
      while (after !== null) {
        const p = store.users.list({ query: '', limit: 500, after, withoutFactor: false, sort: 'created', order: 'desc' });
        rest.push(...p.rows.map((r) => r.username));
        after = p.next;
      }
      expect(rest).toContain('zz-older');
      expect(rest).not.toContain('zz-newer');
      expect(new Set([...page1.rows.map((r) => r.username), ...rest]).size).toBe(page1.rows.length + rest.length);
    } finally {
      store.users.delete(older.id);
      store.users.delete(newer.id);
    }
  });

  it('every sort walks its own index: no table scan, no sort of the whole table', () => {
    for (const sort of SORTS) {
      for (const order of ORDERS) {
        for (const after of [false, true]) {
          const sql = searchSql({ kind: 'walk', prefix: null, needle: 'x' }, { sort, order, after, withoutFactor: false, locked: false });
          const details = (
            rawSqlite(store).prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ v: 0, k: '', limit: 51, window: 10, needle: 'x' }) as { detail: string }[]
          ).map((r) => r.detail);
          const text = `${sort} ${order}: ${details.join(' | ')}`;
          expect(
            details.some((d) => /(SEARCH|SCAN) users USING COVERING INDEX users_by_(fold|name|created|sign_in)/.test(d)),
            text,
          ).toBe(true);
          expect(
            details.some((d) => /^SCAN (u|users)$/.test(d) || /USE TEMP B-TREE/.test(d)),
            text,
          ).toBe(false);
          if (after)
            expect(
              details.some((d) => /^SEARCH users USING COVERING INDEX/.test(d)),
              text,
            ).toBe(true);
        }
      }
    }
  });

  it('a position that is not one the list gave is refused', () => {
    for (const bad of ['', 'x', '[1]', '["a",2]', '[{},"k"]', '[1.5,"k"]']) {
      expect(() => store.users.list({ query: '', limit: 5, after: bad, withoutFactor: false }), bad).toThrow();
      expect(parsePosition(bad), bad).toBeNull();
    }
  });
});

describe('the locked filter', () => {
  it('lists exactly the users the throttle policy refuses now (locked or inside a delay), in each order', () => {
    const want = people.filter((m) => isLocked(m, NOW));
    expect(want.length).toBeGreaterThan(100);
    for (const sort of SORTS) {
      for (const order of ORDERS) {
        expect(allPages(store.users, { query: '', sort, order, locked: LOCKED }, 13), `${sort} ${order}`).toEqual(modelOrder(want, sort, order));
      }
    }
    // With a search too, a short one (a username prefix) and a long one.
    expect(allPages(store.users, { query: 'zo', sort: 'username', order: 'asc', locked: LOCKED }, 5)).toEqual(
      modelOrder(
        want.filter((m) => matches(m, 'zo')),
        'username',
        'asc',
      ),
    );
    expect(allPages(store.users, { query: 'muller', sort: 'name', order: 'asc', locked: LOCKED }, 5)).toEqual(
      modelOrder(
        want.filter((m) => matches(m, 'muller')),
        'name',
        'asc',
      ),
    );
    // Later, the throttle delays are over and the locks have run out.
    expect(allPages(store.users, { query: '', sort: 'username', order: 'asc', locked: { ...LOCKED, now: NOW + 60 * MIN } }, 50)).toEqual([]);
  });

  it('reads only the users with failures while they are few, and walks in bounded windows when many fail (an attack)', () => {
    expect(store.users.searchPlan('', true)).toEqual({ kind: 'failing', prefix: null, needle: null });
    const details = (
      rawSqlite(store)
        .prepare(
          `EXPLAIN QUERY PLAN ${searchSql({ kind: 'failing', prefix: null, needle: null }, { sort: 'created', order: 'desc', after: true, withoutFactor: false, locked: true })}`,
        )
        .all({ v: 0, k: '', limit: 51, now: NOW, free: 3 }) as { detail: string }[]
    ).map((r) => r.detail);
    expect(
      details.some((d) => /SEARCH u USING INDEX users_failing/.test(d)),
      details.join(' | '),
    ).toBe(true);

    // 2,500 more users fail once: too many to read at once, so the filter walks.
    const extra: string[] = [];
    store.tx(() => {
      for (const m of people.slice(0, 2500)) {
        if (m.failures > 0) continue;
        store.users.setThrottle(m.id, { failures: 1, last_failure_at: NOW - 1000, locked_until: null });
        extra.push(m.id);
      }
    });
    try {
      expect(store.users.searchPlan('', true).kind).toBe('walk');
      const tiny = new UsersRepo(store.db, { indexRows: 100, rowRows: 40 });
      const want = people.filter((m) => isLocked(m, NOW));
      expect(allPages(tiny, { query: '', sort: 'lastSignIn', order: 'desc', locked: LOCKED }, 9)).toEqual(modelOrder(want, 'lastSignIn', 'desc'));
    } finally {
      store.tx(() => {
        for (const id of extra) store.users.setThrottle(id, { failures: 0, last_failure_at: null, locked_until: null });
      });
    }
  });
});

describe('folded search', () => {
  it('finds accented users from plain queries and plain users from accented ones, both ways', () => {
    const q = (query: string) => allPages(store.users, { query, sort: 'username', order: 'asc' }, 500);
    expect(q('chloe')).toEqual(
      modelOrder(
        people.filter((m) => matches(m, 'chloe')),
        'username',
        'asc',
      ),
    );
    expect(q('chloe').some((u) => u.startsWith('chloé'))).toBe(true);
    expect(q('CHLOÉ')).toEqual(q('chloe'));
    expect(q('muller')).toEqual(q('MÜLLER'));
    expect(q('muller').length).toBeGreaterThan(0);
    expect(q('strasse')).toEqual(q('Straße'));
    expect(q('lukasz')).toEqual(q('Łukasz'));
    expect(q('østberg')).toEqual(q('ostberg'));
    expect(q('nguyen')).toEqual(q('Nguyễn'));
    // 1–2 characters: the start of the folded username.
    expect(q('çh')).toEqual(q('ch'));
    expect(q('ch').some((u) => u.startsWith('chloé.'))).toBe(true);
    expect(q('so')).toEqual(q('SØ'));
    expect(q('so').some((u) => u.startsWith('søren.'))).toBe(true);
  });

  it('property: any accent and case variant of a stored name finds that user', () => {
    const targets = people.filter((m) => m.display !== null).slice(0, 200);
    const marks = ['\u0301', '\u0300', '\u0308', '\u0302', '\u030a', '\u0327'];
    fc.assert(
      fc.property(
        fc.constantFrom(...targets),
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('', ...marks)), { minLength: 60, maxLength: 60 }),
        (m, choices) => {
          // The display name, folded, then given random capitals and marks: what a user might type.
          const plain = foldForSearch(m.display!);
          const typed = [...plain].map((ch, i) => (choices[i % 60]![0] ? ch.toUpperCase() : ch) + (/[a-z]/.test(ch) ? choices[i % 60]![1] : '')).join('');
          const found = allPages(store.users, { query: typed, sort: 'username', order: 'asc' }, 500);
          return found.includes(m.username);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('migration 0015 (folded search text and sort keys)', () => {
  it('folds the users already there, so an upgraded database finds "Chloé" by "chloe", and sorts them', () => {
    const at = MIGRATIONS.findIndex((m) => m.name === '0015_search_fold');
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-fold-migration-'));
    try {
      const file = path.join(d, 'tessera.db');
      const old = new Database(file);
      for (const m of MIGRATIONS.slice(0, at)) {
        old.exec(m.sql);
        m.backfill?.(old);
      }
      old.pragma(`user_version = ${at}`);
      // As the store wrote them before: search_text only lower-cased.
      const insert = old.prepare('INSERT INTO users (id, username, username_key, display_name, email, search_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const rows: [string, string, string | null, string | null, number][] = [
        ['u1', 'Chloé', 'Chloé Martin', 'chloe@example.com', 3],
        ['u2', 'mueller', 'Jürgen Müller', null, 1],
        ['u3', 'zed', null, 'zed@example.com', 2],
        ['u4', 'Émile', 'Émile Zola', null, 4],
      ];
      for (const [id, username, display, email, created] of rows) {
        insert.run(id, username, username.toLowerCase(), display, email, [username, display ?? '', email ?? ''].join('\u0001').toLowerCase(), created);
      }
      old.close();

      const s = Store.open(file);
      try {
        expect(s.db.schemaVersion()).toBeGreaterThan(at);
        const find = (query: string) => s.users.list({ query, limit: 10, after: null, withoutFactor: false }).rows.map((r) => r.username);
        expect(find('chloe')).toEqual(['Chloé']);
        expect(find('CHLOÉ MARTIN')).toEqual(['Chloé']);
        expect(find('muller')).toEqual(['mueller']);
        expect(find('e')).toEqual(['Émile']);
        expect(find('')).toEqual(['Chloé', 'Émile', 'mueller', 'zed']); // folded order: É with the e's
        const byName = s.users.list({ query: '', limit: 10, after: null, withoutFactor: false, sort: 'name', order: 'asc' }).rows.map((r) => r.username);
        expect(byName).toEqual(['Chloé', 'Émile', 'mueller', 'zed']); // chloé martin, émile zola, jürgen müller, then no name
        // The FTS index follows later edits (its trigger is back).
        s.users.setContact({ id: 'u3', username: 'zed', display_name: 'Zoë Ødegård', email: null, phone: null });
        expect(find('zoe odegard')).toEqual(['zed']);
      } finally {
        s.close();
      }
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
