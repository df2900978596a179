import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * User search through both faces, REST `GET /api/v1/users?query=` and the
 * console's tRPC users.list: % and _ are literal characters (they once made
 * the search walk the whole table), and paging by nextCursor gives every match.
 */
let srv: TestServer;
let cookie: string;

beforeAll(async () => {
  srv = await startTestServer();
  cookie = await srv.signIn('op-admin', 'admin');
  for (const username of ['a_b', 'axb', 'a_bc', '50%', '500', '50%off', '%root', 'xroot', '_svc', 'xsvc']) await srv.createUser(username);
});
afterAll(async () => {
  await srv.close();
});

async function rest(query: string, cursor?: string): Promise<{ items: { username: string }[]; nextCursor: string | null }> {
  const qs = new URLSearchParams({ query, limit: '2', ...(cursor ? { cursor } : {}) });
  const r = await srv.call('GET', `/api/v1/users?${qs}`, { key: srv.keys.provision });
  expect(r.status, r.text).toBe(200);
  return r.json;
}

async function trpc(query: string, cursor?: string): Promise<{ items: { username: string }[]; nextCursor: string | null }> {
  const input = encodeURIComponent(JSON.stringify({ query, limit: 2, ...(cursor ? { cursor } : {}) }));
  const r = await srv.call('GET', `/trpc/users.list?input=${input}`, { headers: { cookie } });
  expect(r.status, r.text).toBe(200);
  return r.json.result.data;
}

async function everyPage(list: typeof rest, query: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await list(query, cursor);
    out.push(...page.items.map((u) => u.username));
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('searching users with % and _', () => {
  for (const [face, list] of [
    ['REST', rest],
    ['tRPC', trpc],
  ] as const) {
    it(`${face}: the characters are literal, across pages`, async () => {
      expect(await everyPage(list, 'a_b')).toEqual(['a_b', 'a_bc']);
      expect(await everyPage(list, '50%')).toEqual(['50%', '50%off']);
      expect(await everyPage(list, '%')).toEqual(['%root']);
      expect(await everyPage(list, '_')).toEqual(['_svc']);
      expect(await everyPage(list, '%root')).toEqual(['%root']);
    });
  }
});
