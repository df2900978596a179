import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, type TestServer } from '../testing/harness';

/**
 * User search through both faces, REST `GET /api/v1/users?query=` and the
 * console's tRPC users.list: % and _ are literal characters (they once made
 * the search walk the whole table), paging by nextCursor gives every match,
 * accents and case fold both ways, every sort pages in order, the locked
 * filter lists who cannot sign in now, and bad input is refused with a clear
 * error and changes nothing.
 */
let srv: TestServer;
let cookie: string;

beforeAll(async () => {
  srv = await startTestServer();
  cookie = await srv.signIn('op-admin', 'admin');
  for (const username of ['a_b', 'axb', 'a_bc', '50%', '500', '50%off', '%root', 'xroot', '_svc', 'xsvc']) await srv.createUser(username);
  for (const [username, displayName, email] of PEOPLE) {
    await srv.createUser(username, { displayName, ...(email ? { email } : {}) });
    srv.clock.advance(60_000); // created a minute apart
  }
});

/** Accented people (created in this order, a minute apart). */
const PEOPLE: [string, string, string | null][] = [
  ['chloe.martin', 'Chloé Martin', 'chloe.martin@example.org'],
  ['jmuller', 'Jürgen Müller', null],
  ['Émile', 'Émile Zola', 'emile@example.org'],
  ['chloe', 'chloe plain', null],
  ['sstrasse', 'Sven Straße', null],
  ['lwalesa', 'Łukasz Wałęsa', 'lukasz@example.org'],
];
afterAll(async () => {
  await srv.close();
});

type Page = { items: { username: string; status: { state: string; until: string | null } }[]; nextCursor: string | null };

async function rest(query: string, cursor?: string, extra: Record<string, string> = {}): Promise<Page> {
  const qs = new URLSearchParams({ query, limit: '2', ...extra, ...(cursor ? { cursor } : {}) });
  const r = await srv.call('GET', `/api/v1/users?${qs}`, { key: srv.keys.provision });
  expect(r.status, r.text).toBe(200);
  return r.json;
}

async function trpc(query: string, cursor?: string, extra: Record<string, string> = {}): Promise<Page> {
  const typed = { ...extra, ...(extra.locked ? { locked: extra.locked === 'true' } : {}) };
  const input = encodeURIComponent(JSON.stringify({ query, limit: 2, ...typed, ...(cursor ? { cursor } : {}) }));
  const r = await srv.call('GET', `/trpc/users.list?input=${input}`, { headers: { cookie } });
  expect(r.status, r.text).toBe(200);
  return r.json.result.data;
}

async function everyPage(list: typeof rest, query: string, extra: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await list(query, cursor, extra);
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

describe('searching with accents and case, both ways', () => {
  for (const [face, list] of [
    ['REST', rest],
    ['tRPC', trpc],
  ] as const) {
    it(`${face}: "chloe" finds "Chloé", "muller" finds "Müller", "CHLOÉ" finds "chloe"`, async () => {
      expect(await everyPage(list, 'chloe')).toEqual(['chloe', 'chloe.martin']);
      expect(await everyPage(list, 'CHLOÉ')).toEqual(['chloe', 'chloe.martin']);
      expect(await everyPage(list, 'chloé martin')).toEqual(['chloe.martin']);
      expect(await everyPage(list, 'muller')).toEqual(['jmuller']);
      expect(await everyPage(list, 'MÜLLER')).toEqual(['jmuller']);
      expect(await everyPage(list, 'strasse')).toEqual(['sstrasse']);
      expect(await everyPage(list, 'straße')).toEqual(['sstrasse']);
      expect(await everyPage(list, 'walesa')).toEqual(['lwalesa']);
      // Two characters: the start of the username, folded ("É" of Émile).
      expect(await everyPage(list, 'em')).toEqual(['Émile']);
      expect(await everyPage(list, 'ÉM')).toEqual(['Émile']);
    });
  }
});

describe('sorting, over both faces', () => {
  const mine = (names: string[]) => names.filter((n) => PEOPLE.some(([u]) => u === n));
  for (const [face, list] of [
    ['REST', rest],
    ['tRPC', trpc],
  ] as const) {
    it(`${face}: by created (both ways), name and username, pages of 2`, async () => {
      const created = PEOPLE.map(([u]) => u);
      expect(mine(await everyPage(list, '', { sort: 'created', order: 'asc' }))).toEqual(created);
      expect(mine(await everyPage(list, '', { sort: 'created', order: 'desc' }))).toEqual([...created].reverse());
      // Folded display names: chloé martin, chloe plain, émile zola, jürgen müller, łukasz wałęsa, sven straße.
      expect(mine(await everyPage(list, '', { sort: 'name' }))).toEqual(['chloe.martin', 'chloe', 'Émile', 'jmuller', 'lwalesa', 'sstrasse']);
      expect(mine(await everyPage(list, '', { sort: 'name', order: 'desc' }))).toEqual(['sstrasse', 'lwalesa', 'jmuller', 'Émile', 'chloe', 'chloe.martin']);
      // Folded usernames: "Émile" sorts with the e's.
      expect(mine(await everyPage(list, '', { sort: 'username' }))).toEqual(['chloe', 'chloe.martin', 'Émile', 'jmuller', 'lwalesa', 'sstrasse']);
    });
  }

  it('by last sign-in: the latest first, never signed in last', async () => {
    const f = await srv.activeFactor('lwalesa', 'totp');
    const first = totpCodeAt(f);
    expect((await srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user: 'lwalesa', code: first } })).json).toMatchObject({ ok: true });
    srv.clock.advance(60_000);
    const g = await srv.activeFactor('chloe', 'totp');
    expect((await srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user: 'chloe', code: totpCodeAt(g) } })).json).toMatchObject({ ok: true });
    const names = await everyPage(trpc, '', { sort: 'lastSignIn', order: 'desc' });
    expect(names.slice(0, 2)).toEqual(['chloe', 'lwalesa']);
    const page = await trpc('chloe', undefined, { sort: 'lastSignIn', order: 'desc' });
    expect(page.items.map((u) => u.username)).toEqual(['chloe', 'chloe.martin']);
  });
});

describe('the locked filter', () => {
  it('lists users locked or throttled now, with their status, and none once the locks have run out', async () => {
    await srv.activeFactor('jmuller', 'totp');
    await srv.activeFactor('sstrasse', 'totp');
    const wrong = (user: string) => srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user, code: '000000' } });
    // Each wrong code after its delay (so each counts): jmuller is locked at the 10th, sstrasse throttled after the 5th.
    for (let i = 0; i < 10; i++) {
      expect((await wrong('jmuller')).json).toMatchObject({ ok: false });
      srv.clock.advance(i === 9 ? 0 : 2 ** Math.max(0, i - 2) * 1000);
    }
    const lockedAt = srv.clock.now();
    for (let i = 0; i < 5; i++) {
      expect((await wrong('sstrasse')).json).toMatchObject({ ok: false, reason: 'invalid_code' });
      if (i < 4) srv.clock.advance(2 ** Math.max(0, i - 2) * 1000);
    }
    for (const [face, list] of [
      ['REST', rest],
      ['tRPC', trpc],
    ] as const) {
      const page = await list('', undefined, { locked: 'true', limit: '50' });
      expect(
        page.items.map((u) => [u.username, u.status.state]),
        face,
      ).toEqual([
        ['jmuller', 'locked'],
        ['sstrasse', 'throttled'],
      ]);
      expect(new Date(page.items[0]!.status.until!).getTime()).toBe(lockedAt + 30 * 60_000);
      expect(new Date(page.items[1]!.status.until!).getTime()).toBe(srv.clock.now() + 4000);
      expect((await list('mull', undefined, { locked: 'true' })).items.map((u) => u.username)).toEqual(['jmuller']);
    }
    srv.clock.advance(31 * 60_000);
    expect((await rest('', undefined, { locked: 'true' })).items).toEqual([]);
  });
});

describe('bad input is refused and changes nothing', () => {
  it('an unknown sort, a cursor of another sort, a forged cursor', async () => {
    // Everything but the API keys and sessions (a call records its key's last use and its session's last activity).
    const state = () => {
      const { api_keys: _used, sessions: _seen, ...rest } = JSON.parse(srv.snapshot()) as Record<string, unknown>;
      return JSON.stringify(rest);
    };
    cookie = await srv.signIn('op-admin-again', 'admin'); // the clock has moved past the idle timeout
    const before = state();
    const bad = async (qs: string) => {
      const r = await srv.call('GET', `/api/v1/users?${qs}`, { key: srv.keys.provision });
      expect(r.status, qs).toBe(400);
      expect(r.json.error.code, qs).toBe('bad_request');
      return r.json.error.message as string;
    };
    expect(await bad('sort=email')).toMatch(/sort/);
    expect(await bad('order=sideways')).toMatch(/order/);
    expect(await bad('locked=maybe')).toMatch(/locked/);
    expect(await bad('query=chl%00oe')).toMatch(/NUL/); // PostgreSQL text cannot hold one: refused before any SQL
    const byName = await rest('', undefined, { sort: 'name' });
    expect(byName.nextCursor).not.toBeNull();
    expect(await bad(`sort=created&cursor=${byName.nextCursor}`)).toMatch(/another sort order/);
    expect(await bad(`cursor=${Buffer.from('username.asc:[1]').toString('base64url')}`)).toMatch(/not one this server issued/);
    expect(await bad(`cursor=${Buffer.from('nonsense').toString('base64url')}`)).toMatch(/not one this server issued/);
    // Well formed, of the right sort, but a value of the wrong kind (text where created is a number, and back).
    expect(await bad(`sort=created&cursor=${Buffer.from('created.asc:["x","k"]').toString('base64url')}`)).toMatch(/not one this server issued/);
    expect(await bad(`cursor=${Buffer.from('username.asc:[5,"k"]').toString('base64url')}`)).toMatch(/not one this server issued/);
    const input = encodeURIComponent(JSON.stringify({ query: '', sort: 'email' }));
    const t = await srv.call('GET', `/trpc/users.list?input=${input}`, { headers: { cookie } });
    expect(t.status).toBe(400);
    expect(state()).toBe(before);
  });
});

/** The code of a factor at the server's clock. */
function totpCodeAt(f: Awaited<ReturnType<TestServer['activeFactor']>>): string {
  return totpCode(f, srv.clock.now());
}
