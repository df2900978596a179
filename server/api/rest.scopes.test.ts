import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../core/apiKeys';
import { createApiKey, revokeApiKey } from '../services/apiKeys';
import { SYSTEM_ACTOR } from '../services/index';
import { startTestServer, totpCode, type TestServer } from '../testing/harness';

/**
 * API-key authentication and scopes, route by route: each single-scope key is
 * allowed exactly where the README's REST API says (user reads also for `audit`), refused
 * with 403 elsewhere; missing, malformed, mistyped, unknown and revoked keys
 * get 401. A refused call changes nothing in the database.
 */

const V1 = '/api/v1';
type Scope = 'verify' | 'provision' | 'audit';

interface Fixture {
  username: string;
  factorId: string;
  secret: string;
}

interface RouteCase {
  name: string;
  allowed: readonly Scope[];
  expectStatus: number;
  /** Builds the request against a fresh fixture (its own user and pending TOTP factor). */
  request(f: Fixture, srv: TestServer): { method: string; path: string; body?: unknown };
}

const ROUTES: RouteCase[] = [
  {
    name: 'POST /verify',
    allowed: ['verify'],
    expectStatus: 200,
    request: (f) => ({ method: 'POST', path: '/verify', body: { user: f.username, code: '123456' } }),
  },
  {
    name: 'POST /users',
    allowed: ['provision'],
    expectStatus: 201,
    request: (f) => ({ method: 'POST', path: '/users', body: { username: `${f.username}-new` } }),
  },
  { name: 'GET /users', allowed: ['provision', 'audit'], expectStatus: 200, request: () => ({ method: 'GET', path: '/users?limit=5' }) },
  { name: 'GET /users/{u}', allowed: ['provision', 'audit'], expectStatus: 200, request: (f) => ({ method: 'GET', path: `/users/${f.username}` }) },
  {
    name: 'DELETE /users/{u}',
    allowed: ['provision'],
    expectStatus: 204,
    request: (f) => ({ method: 'DELETE', path: `/users/${f.username}`, body: { reason: 'scope test' } }),
  },
  {
    name: 'POST /users/{u}/unlock',
    allowed: ['provision'],
    expectStatus: 200,
    request: (f) => ({ method: 'POST', path: `/users/${f.username}/unlock`, body: { reason: 'scope test' } }),
  },
  {
    name: 'POST /users/{u}/factors',
    allowed: ['provision'],
    expectStatus: 201,
    request: (f) => ({ method: 'POST', path: `/users/${f.username}/factors`, body: { type: 'hotp' } }),
  },
  {
    name: 'POST /users/{u}/factors/{id}/confirm',
    allowed: ['provision'],
    expectStatus: 200,
    request: (f, srv) => ({
      method: 'POST',
      path: `/users/${f.username}/factors/${f.factorId}/confirm`,
      body: { code: totpCode({ secret: f.secret, algorithm: 'SHA1', digits: 6, period: 30 }, srv.clock.now()) },
    }),
  },
  {
    name: 'DELETE /users/{u}/factors/{id}',
    allowed: ['provision'],
    expectStatus: 204,
    request: (f) => ({ method: 'DELETE', path: `/users/${f.username}/factors/${f.factorId}`, body: { reason: 'scope test' } }),
  },
  {
    name: 'POST /users/{u}/reset',
    allowed: ['provision'],
    expectStatus: 200,
    request: (f) => ({ method: 'POST', path: `/users/${f.username}/reset`, body: { reason: 'scope test' } }),
  },
  {
    name: 'POST /users/{u}/recovery-codes',
    allowed: ['provision'],
    expectStatus: 201,
    request: (f) => ({ method: 'POST', path: `/users/${f.username}/recovery-codes` }),
  },
  { name: 'GET /audit', allowed: ['audit'], expectStatus: 200, request: (f) => ({ method: 'GET', path: `/audit?user=${f.username}` }) },
  { name: 'GET /audit/verify', allowed: ['audit'], expectStatus: 200, request: () => ({ method: 'GET', path: '/audit/verify' }) },
  { name: 'GET /openapi.json', allowed: ['verify', 'provision', 'audit'], expectStatus: 200, request: () => ({ method: 'GET', path: '/openapi.json' }) },
];

let srv: TestServer;
let revokedKey: string;
let seq = 0;

beforeAll(async () => {
  srv = await startTestServer();
  const created = createApiKey(srv.services, { name: 'to-revoke', scopes: ['audit', 'provision', 'verify'] }, SYSTEM_ACTOR);
  revokeApiKey(srv.services, created.id, SYSTEM_ACTOR);
  revokedKey = created.key;
});
afterAll(async () => {
  await srv?.close();
});

async function fixture(): Promise<Fixture> {
  const username = `scope-${++seq}`;
  await srv.createUser(username);
  const e = await srv.call('POST', `${V1}/users/${username}/factors`, { key: srv.keys.provision, body: { type: 'totp' } });
  expect(e.status).toBe(201);
  return { username, factorId: e.json.id, secret: e.json.secret };
}

/** Sends a request that must be refused, and proves the database did not move. */
async function expectRefused(
  req: { method: string; path: string; body?: unknown },
  opts: { key?: string; headers?: Record<string, string> },
  status: number,
  code: string,
) {
  const before = srv.snapshot();
  const r = await srv.call(req.method, `${V1}${req.path}`, { ...opts, ...(req.body !== undefined ? { body: req.body } : {}) });
  expect(r.status, r.text).toBe(status);
  expect(r.json?.error?.code).toBe(code);
  expect(typeof r.json.error.message).toBe('string');
  expect(r.json.error.message.length).toBeGreaterThan(0);
  expect(srv.snapshot()).toBe(before);
  return r;
}

describe('scopes: every route × every single-scope key', () => {
  for (const route of ROUTES) {
    for (const scope of ['verify', 'provision', 'audit'] as const) {
      const allowed = route.allowed.includes(scope);
      it(`${route.name} with a ${scope} key → ${allowed ? route.expectStatus : '403 forbidden'}`, async () => {
        const f = await fixture();
        const req = route.request(f, srv);
        if (allowed) {
          const r = await srv.call(req.method, `${V1}${req.path}`, { key: srv.keys[scope], ...(req.body !== undefined ? { body: req.body } : {}) });
          expect(r.status, r.text).toBe(route.expectStatus);
        } else {
          const r = await expectRefused(req, { key: srv.keys[scope] }, 403, 'forbidden');
          expect(r.json.error.message).toMatch(new RegExp(route.allowed[0]!));
        }
      });
    }
  }
});

describe('authentication: bad keys → 401 unauthorized, nothing changes', () => {
  const variants: [string, () => { key?: string; headers?: Record<string, string> }][] = [
    ['no Authorization header', () => ({})],
    ['a malformed key', () => ({ key: 'not-a-key' })],
    ['a key with a bad checksum', () => ({ key: flipLast(srv.keys.all) })],
    ['a key with one body character changed', () => ({ key: flipAt(srv.keys.all, 10) })],
    ['an unknown valid-looking key', () => ({ key: generateApiKey().key })],
    ['a revoked key', () => ({ key: revokedKey })],
    ['a non-Bearer scheme', () => ({ headers: { authorization: `Basic ${srv.keys.all}` } })],
    ['a bare key without a scheme', () => ({ headers: { authorization: srv.keys.all } })],
    ['an empty Bearer', () => ({ headers: { authorization: 'Bearer ' } })],
    ['the key twice', () => ({ headers: { authorization: `Bearer ${srv.keys.all} ${srv.keys.all}` } })],
  ];
  for (const route of ROUTES) {
    for (const [label, opts] of variants) {
      it(`${route.name} with ${label}`, async () => {
        const f = await fixture();
        await expectRefused(route.request(f, srv), opts(), 401, 'unauthorized');
      });
    }
  }

  it('a key in the URL is not accepted', async () => {
    const f = await fixture();
    await expectRefused({ method: 'GET', path: `/users/${f.username}?api_key=${srv.keys.all}` }, {}, 401, 'unauthorized');
    await expectRefused({ method: 'GET', path: `/users/${f.username}?access_token=${srv.keys.all}` }, {}, 401, 'unauthorized');
  });

  it('/healthz needs no key', async () => {
    expect((await srv.call('GET', '/healthz')).status).toBe(200);
  });
});

function flipLast(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

function flipAt(key: string, i: number): string {
  return key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
}
