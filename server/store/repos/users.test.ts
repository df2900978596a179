import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../index';

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

/** What a search must return, in key order: usernames starting with a 1–2 character query; else every user whose name, display name or email contains it. */
function expected(query: string, limit: number, after: string | null): string[] {
  const q = query.toLowerCase();
  return names
    .filter((n) => (q.length < 3 ? n.username.toLowerCase().startsWith(q) : [n.username, n.display, n.email].some((f) => f.toLowerCase().includes(q))))
    .map((n) => n.username)
    .sort()
    .filter((u) => after === null || u > after)
    .slice(0, limit);
}

describe('UsersRepo.list search', () => {
  // Sparse queries go through the trigram index, dense ones walk the table, short ones and ones with
  // LIKE wildcards scan: every path must give the same answer as a plain substring filter.
  for (const query of ['zebra', 'ZEBRA', 'rare zebra 9', 'person 4999', 'example', 'corp', 'an', 'a', 'da', 'zq', '_1', '%', 'ann%', 'nothing-here', 'bert_12']) {
    it(`"${query}" matches a plain substring filter, across pages`, () => {
      let after: string | null = null;
      for (let page = 0; page < 3; page++) {
        const got: string[] = store.users.list({ query, limit: 7, after, withoutFactor: false }).map((r) => r.username);
        expect(got).toEqual(expected(query, 7, after));
        if (got.length < 7) break;
        after = got[got.length - 1]!;
      }
    });
  }

  it('keeps the index in step with deletes', () => {
    const row = store.users.findByKey('anna_0')!;
    expect(store.users.list({ query: 'rare zebra 0', limit: 5, after: null, withoutFactor: false }).map((r) => r.username)).toEqual(['anna_0']);
    store.users.delete(row.id);
    expect(store.users.list({ query: 'rare zebra 0', limit: 5, after: null, withoutFactor: false })).toEqual([]);
  });
});
