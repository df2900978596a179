import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../index';
import { parsePosition, searchSql, UsersRepo } from './users';
import { rawSqlite } from '../testing';

let dir: string;
let store: Store;
const names: { username: string; display: string; email: string }[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-users-'));
  store = Store.open(path.join(dir, 'tessera.db'));
  store.tx(() => {
    for (let i = 0; i < 5000; i++) {
      const username = `${['anna', 'bert', 'chen', 'dana'][i % 4]}_${i}`;
      const display = i % 997 === 0 ? `Rare Zebra ${i}` : `Person ${i}`;
      const email = `${username}@${i % 2 ? 'example.com' : 'corp.test'}`;
      names.push({ username, display, email });
      store.users.insert({ id: randomUUID(), username, username_key: username, display_name: display, email, created_at: 0 });
    }
  });
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Users whose names hold the characters LIKE and GLOB would read as wildcards, and the look-alikes a wildcard would also match. */
const LITERALS = ['a_b', 'axb', 'a_bc', 'xa_b', '50%', '500', '50%off', '5000', '%admin', 'xadmin', '_svc', 'xsvc', 'annaxb', 'q*r', 'qxr', 'say"hi"'];

beforeAll(() => {
  store.tx(() => {
    for (const username of LITERALS) {
      names.push({ username, display: 'Literal', email: '' });
      store.users.insert({ id: randomUUID(), username, username_key: username, display_name: 'Literal', email: null, created_at: 0 });
    }
  });
});

/** Every user a search must return, in key order: usernames starting with a 1–2 character query; else every user whose name, display name or email contains it, literally. */
function expected(query: string): string[] {
  const q = query.toLowerCase();
  return names
    .filter((n) => ([...q].length < 3 ? n.username.toLowerCase().startsWith(q) : [n.username, n.display, n.email].some((f) => f.toLowerCase().includes(q))))
    .map((n) => n.username)
    .sort();
}

/** The username key a position ends at ('' for none). */
function keyOf(position: string | null): string {
  return position === null ? '' : parsePosition(position)!.k;
}

/** Follows `next` from the first page to the last: what a client paging through gets. */
function allPages(repo: UsersRepo, query: string, limit: number, withoutFactor = false): { users: string[]; pages: number; shortPagesWithNext: number } {
  const users: string[] = [];
  let after: string | null = null;
  let pages = 0;
  let shortPagesWithNext = 0;
  for (;;) {
    const page = repo.list({ query, limit, after, withoutFactor });
    pages++;
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    users.push(...page.rows.map((r) => r.username));
    if (page.next === null) break;
    if (page.rows.length < limit) shortPagesWithNext++;
    expect(keyOf(page.next) > keyOf(after)).toBe(true); // always moves forward
    after = page.next;
  }
  return { users, pages, shortPagesWithNext };
}

const QUERIES = [
  'zebra',
  'ZEBRA',
  'rare zebra 9',
  'person 4999',
  'example',
  'corp',
  'an',
  'a',
  'da',
  'zq',
  '_1',
  '%',
  '_',
  'ann%',
  'nothing-here',
  'bert_12',
  'a_b',
  '50%',
  '%admin',
  'na_',
  'q*r',
  'i"',
  '"hi"',
];

describe('UsersRepo.list search', () => {
  // Sparse queries go through the trigram index, dense ones walk the table in bounded windows, short ones
  // walk by prefix: every path must give the same answer as a plain substring filter.
  for (const query of QUERIES) {
    it(`"${query}" matches a plain substring filter, across pages`, () => {
      expect(allPages(store.users, query, 7).users).toEqual(expected(query));
    });
  }

  it('% and _ are literal characters, never wildcards', () => {
    const q = (query: string) => allPages(store.users, query, 50).users;
    expect(q('a_b')).toEqual(['a_b', 'a_bc', 'xa_b']);
    expect(q('50%')).toEqual(['50%', '50%off']);
    expect(q('%')).toEqual(['%admin']); // one character: the start of usernames
    expect(q('_')).toEqual(['_svc']);
    expect(q('%admin')).toEqual(['%admin']);
    expect(q('q*r')).toEqual(['q*r']);
    // Dense ("na_" is in 2,500 names), so walked rather than indexed: still literal.
    expect(q('na_')).toEqual(expected('na_'));
    expect(q('na_')).not.toContain('annaxb');
    expect(q('na_').length).toBeGreaterThanOrEqual(2000);
  });

  it('a walk stops at its bound, says where to go on, and paging on gives the whole answer', () => {
    const tiny = new UsersRepo(store.db, { indexRows: 100, rowRows: 40 });
    for (const query of QUERIES) expect(allPages(tiny, query, 7).users, query).toEqual(expected(query));
    // "na_" matches anna_* and dana_*: between them lie 2,500 bert_ and chen_ users, walked 100 at a time.
    const na = allPages(tiny, 'na_', 50);
    expect(na.shortPagesWithNext).toBeGreaterThanOrEqual(20);
    const lastAnna = expected('na_')
      .filter((u) => u.startsWith('anna_'))
      .pop()!;
    const page = tiny.list({ query: 'na_', limit: 50, after: JSON.stringify([lastAnna, lastAnna]), withoutFactor: false });
    expect(page.rows).toEqual([]);
    expect(keyOf(page.next)).toMatch(/^bert_/); // 100 keys on, not the whole table
    // The without-factor filter reads each row, so its window is smaller still.
    const without = allPages(tiny, '', 500, true);
    expect(without.users).toEqual(names.map((n) => n.username).sort());
    expect(without.shortPagesWithNext).toBeGreaterThan(0);
  });

  it('plans a wildcard query on the trigram index when it is rare, and on a bounded index walk when it is common: never a table scan', () => {
    const planOf = (query: string) => {
      const plan = store.users.searchPlan(query);
      const sql = searchSql(plan, { sort: 'username', order: 'asc', after: true, withoutFactor: false, locked: false });
      const rows = rawSqlite(store)
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all({ v: '', k: '', limit: 51, phrase: 'x', window: 10, needle: 'x', lo: 'a', hi: 'b' }) as { detail: string }[];
      return { kind: plan.kind, details: rows.map((r) => r.detail) };
    };
    for (const query of ['a_b', '50%', '%admin', 'x%_y', 'q*r']) {
      const { kind, details } = planOf(query);
      expect(kind, query).toBe('index');
      expect(
        details.some((d) => /SCAN users_fts VIRTUAL TABLE INDEX/.test(d)),
        details.join(' | '),
      ).toBe(true);
      expect(
        details.some((d) => /^SCAN (u|users)\b/.test(d)),
        details.join(' | '),
      ).toBe(false);
    }
    for (const query of ['na_', '%', '_']) {
      const { kind, details } = planOf(query);
      expect(kind, query).toBe('walk');
      expect(
        details.some((d) => /SEARCH users USING COVERING INDEX users_by_fold \(\(?username_fold/.test(d)),
        details.join(' | '),
      ).toBe(true);
      expect(
        details.some((d) => /^SCAN (u|users)\b/.test(d) || /USE TEMP B-TREE/.test(d)),
        details.join(' | '),
      ).toBe(false);
    }
  });

  it('keeps the index in step with deletes', () => {
    const row = store.users.findByKey('anna_0')!;
    expect(store.users.list({ query: 'rare zebra 0', limit: 5, after: null, withoutFactor: false }).rows.map((r) => r.username)).toEqual(['anna_0']);
    store.users.delete(row.id);
    names.splice(
      names.findIndex((n) => n.username === 'anna_0'),
      1,
    );
    expect(store.users.list({ query: 'rare zebra 0', limit: 5, after: null, withoutFactor: false }).rows).toEqual([]);
  });

  it('a query with a NUL or only quotes is answered, not an error', () => {
    expect(store.users.list({ query: 'a\u0000b', limit: 5, after: null, withoutFactor: false })).toEqual({ rows: [], next: null });
    expect(allPages(store.users, '"""', 5).users).toEqual([]);
  });
});
