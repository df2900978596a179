import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expirePendingFactors } from '../services/factors';
import { SYSTEM_ACTOR } from '../services/index';
import { updateSettings } from '../services/settings';
import { allKeys, hotpCode, startTestServer, totpCode, wrongCode, type Factor, type TestServer } from '../testing/harness';

/**
 * Every REST endpoint (README, REST API) over real HTTP: exact status and body shape
 * of the happy path, plus the contract's documented refusals.
 */

const V1 = '/api/v1';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const SECRET_FIELDS = ['secret', 'secret_sealed', 'hash', 'secretSealed'];

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const prov = (method: string, path: string, body?: unknown) =>
  srv.call(method, `${V1}${path}`, { key: srv.keys.provision, ...(body !== undefined ? { body } : {}) });
const verify = (user: string, code: string) => srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user, code } });

describe('GET /healthz', () => {
  it('answers without a key with ok and the version', async () => {
    const r = await srv.call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, version: expect.any(String) });
    expect(r.json.version.length).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('needs a valid key', async () => {
    const r = await srv.call('GET', `${V1}/openapi.json`);
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('unauthorized');
  });

  it('is an OpenAPI 3.1 document with every path of the REST API', async () => {
    const r = await srv.call('GET', `${V1}/openapi.json`, { key: srv.keys.verify });
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    const expected: [string, string][] = [
      ['/verify', 'post'],
      ['/users', 'post'],
      ['/users', 'get'],
      ['/users/{username}', 'get'],
      ['/users/{username}', 'delete'],
      ['/users/{username}/unlock', 'post'],
      ['/users/{username}/factors', 'post'],
      ['/users/{username}/factors/{id}/confirm', 'post'],
      ['/users/{username}/factors/{id}', 'delete'],
      ['/users/{username}/reset', 'post'],
      ['/users/{username}/recovery-codes', 'post'],
      ['/audit', 'get'],
      ['/audit/verify', 'get'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    // Structural validity: what an OpenAPI 3.1 validator checks first.
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    const opIds = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries<any>(item)) {
        expect(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']).toContain(method);
        expect(typeof op.operationId).toBe('string');
        expect(opIds.has(op.operationId)).toBe(false);
        opIds.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [status, resp] of Object.entries<any>(op.responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof resp.description).toBe('string');
        }
        const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path');
        expect(pathParams.map((p: any) => p.name).sort()).toEqual([...templated].sort());
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const s of op.security ?? []) for (const name of Object.keys(s)) expect(schemes).toContain(name);
      }
    }
  });
});

describe('users', () => {
  it('POST /users → 201 with the user; the same name in another case → 409', async () => {
    const r = await prov('POST', '/users', { username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.com' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      username: 'alice',
      displayName: 'Alice Liddell',
      email: 'alice@example.com',
      phone: null,
      createdAt: expect.stringMatching(ISO),
      hasActiveFactor: false,
      source: 'local',
      disabled: false,
      status: { state: 'noFactor', until: null },
      lastSignInAt: null,
    });
    const dup = await prov('POST', '/users', { username: 'ALICE' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('conflict');
  });

  it('usernames are trimmed and NFKC-normalised, and found case-insensitively', async () => {
    const r = await prov('POST', '/users', { username: '  \uFF22ob  ' }); // full-width B
    expect(r.status).toBe(201);
    expect(r.json.username).toBe('Bob');
    const g = await prov('GET', '/users/BOB');
    expect(g.status).toBe(200);
    expect(g.json.username).toBe('Bob');
  });

  it('GET /users pages with nextCursor across 3 pages and filters by query', async () => {
    for (let i = 1; i <= 7; i++) await srv.createUser(`pager-${i}`, i === 4 ? { displayName: 'Needle Person' } : {});
    await srv.createUser('haystack-1', { email: 'pager-mail@example.com' });
    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const q: string = `/users?query=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await prov('GET', q);
      expect(r.status).toBe(200);
      expect(Object.keys(r.json).sort()).toEqual(['items', 'nextCursor']);
      pages.push(r.json.items.length);
      for (const u of r.json.items) {
        expect(u).toEqual({
          username: expect.any(String),
          displayName: expect.toBeOneOf([null, expect.any(String)]),
          email: expect.toBeOneOf([null, expect.any(String)]),
          phone: null,
          createdAt: expect.stringMatching(ISO),
          hasActiveFactor: false,
          source: 'local',
          disabled: false,
          status: { state: 'noFactor', until: null },
          lastSignInAt: null,
        });
        seen.push(u.username);
      }
      cursor = r.json.nextCursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([3, 3, 2]);
    // pager-1..7 by name and haystack-1 by email, each once, in name order.
    expect(seen).toEqual(['haystack-1', 'pager-1', 'pager-2', 'pager-3', 'pager-4', 'pager-5', 'pager-6', 'pager-7']);

    const needle = await prov('GET', '/users?query=needle');
    expect(needle.json.items.map((u: { username: string }) => u.username)).toEqual(['pager-4']);
    expect(needle.json.nextCursor).toBeNull();
    const none = await prov('GET', '/users?query=zz-no-such');
    expect(none.json).toEqual({ items: [], nextCursor: null });
  });

  it('GET /users?withoutFactor=true lists only users with no active factor; =false does not filter', async () => {
    await srv.createUser('wf-with');
    await srv.activeFactor('wf-with', 'hotp');
    await srv.createUser('wf-without');
    const names = async (q: string) => ((await prov('GET', `/users?query=wf-${q}`)).json.items as { username: string }[]).map((u) => u.username);
    expect(await names('')).toEqual(['wf-with', 'wf-without']);
    expect(await names('&withoutFactor=true')).toEqual(['wf-without']);
    expect(await names('&withoutFactor=false')).toEqual(['wf-with', 'wf-without']);
  });

  it('GET /users/{u} → the user with factors, recovery counts and throttle, and never a secret', async () => {
    await srv.createUser('carol', { email: 'carol@example.com' });
    const f = await srv.activeFactor('carol', 'totp');
    const pending = await prov('POST', '/users/carol/factors', { type: 'hotp', label: 'Spare token' });
    expect(pending.status).toBe(201);
    const codes = await prov('POST', '/users/carol/recovery-codes');
    expect(codes.status).toBe(201);

    const r = await prov('GET', '/users/carol');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      username: 'carol',
      displayName: null,
      email: 'carol@example.com',
      createdAt: expect.stringMatching(ISO),
      hasActiveFactor: true,
      recoveryCodes: { total: 10, unused: 10 },
      throttle: { failures: 0, state: 'ok', retryAfterSeconds: null },
    });
    expect(r.json.factors).toHaveLength(2);
    expect(r.json.factors[0]).toEqual({
      id: f.id,
      type: 'totp',
      methodName: 'Authenticator app (TOTP)',
      appsMayRemove: true,
      status: 'active',
      label: null,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      createdAt: expect.stringMatching(ISO),
      confirmedAt: expect.stringMatching(ISO),
      expiresAt: null,
      lastUsedAt: expect.stringMatching(ISO),
    });
    expect(r.json.factors[1]).toMatchObject({
      id: pending.json.id,
      type: 'hotp',
      status: 'pending',
      label: 'Spare token',
      expiresAt: expect.stringMatching(ISO),
      confirmedAt: null,
    });
    const keys = allKeys(r.json);
    for (const k of SECRET_FIELDS) expect(keys.has(k), `field ${k}`).toBe(false);
    expect(r.text).not.toContain(f.secret);
    expect(r.text).not.toContain(pending.json.secret);
    for (const c of codes.json.codes as string[]) expect(r.text).not.toContain(c);

    // Also through the audit scope (reads of users are allowed to auditors).
    const a = await srv.call('GET', `${V1}/users/carol`, { key: srv.keys.audit });
    expect(a.status).toBe(200);
    expect(a.json.username).toBe('carol');
  });

  it('GET /users/{u} of an unknown user → 404 not_found', async () => {
    const r = await prov('GET', '/users/nobody-here');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });

  it('DELETE /users/{u} → 204 with no body; the user is gone', async () => {
    await srv.createUser('dave');
    await srv.activeFactor('dave', 'hotp');
    const r = await prov('DELETE', '/users/dave', { reason: 'left the company' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await prov('GET', '/users/dave')).status).toBe(404);
    expect((await verify('dave', '123456')).status).toBe(404);
    const again = await prov('DELETE', '/users/dave', { reason: 'twice' });
    expect(again.status).toBe(404);
  });

  it('POST /users/{u}/unlock → 200 with the throttle cleared', async () => {
    await srv.createUser('erin');
    const f = await srv.activeFactor('erin', 'totp');
    const near = [-1, 0, 1].map((o) => totpCode(f, srv.clock.now(), o));
    for (let i = 0; i < 3; i++) expect((await verify('erin', wrongCode(near[1]!, near))).json.reason).toBe('invalid_code');
    expect((await prov('GET', '/users/erin')).json.throttle).toEqual({ failures: 3, state: 'ok', retryAfterSeconds: null });
    const r = await prov('POST', '/users/erin/unlock', { reason: 'called the helpdesk' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ username: 'erin', throttle: { failures: 0, state: 'ok', retryAfterSeconds: null } });
  });
});

describe('usernames with URL-special characters are reachable by path', () => {
  // (Not '.' or '..': WHATWG URL clients, fetch included, resolve those path segments, even percent-encoded.)
  for (const name of ['a/b', 'per%cent', 'what?', 'hash#tag', 'two words', 'plus+sign', 'dot.', 'colon:name', 'x..y', '.hidden']) {
    it(JSON.stringify(name), async () => {
      const c = await prov('POST', '/users', { username: name });
      expect(c.status, c.text).toBe(201);
      const path = `/users/${encodeURIComponent(name)}`;
      const g = await prov('GET', path);
      expect(g.status, g.text).toBe(200);
      expect(g.json.username).toBe(name);
      const e = await prov('POST', `${path}/factors`, { type: 'totp' });
      expect(e.status, e.text).toBe(201);
      expect(new URL(e.json.otpauthUri).searchParams.get('issuer')).toBe('Tessera');
      expect(decodeURIComponent(e.json.otpauthUri.split('?')[0].slice('otpauth://totp/'.length))).toBe(`Tessera:${name}`);
      const d = await prov('DELETE', path, { reason: 'cleanup' });
      expect(d.status, d.text).toBe(204);
    });
  }
});

describe('factors', () => {
  it('the issuer setting appears in the label and the parameter, percent-encoded', async () => {
    await srv.createUser('issuer-user');
    updateSettings(srv.services, { issuer: 'Acme Corp & Co' }, SYSTEM_ACTOR);
    try {
      const r = await prov('POST', '/users/issuer-user/factors', { type: 'totp' });
      expect(r.status).toBe(201);
      expect(r.json.otpauthUri.startsWith('otpauth://totp/Acme%20Corp%20%26%20Co:issuer-user?')).toBe(true);
      expect(new URL(r.json.otpauthUri).searchParams.get('issuer')).toBe('Acme Corp & Co');
    } finally {
      updateSettings(srv.services, { issuer: 'Tessera' }, SYSTEM_ACTOR);
    }
  });

  it('the code that confirmed a TOTP factor cannot be replayed at /verify', async () => {
    await srv.createUser('confirm-replay');
    const e = await prov('POST', '/users/confirm-replay/factors', { type: 'totp' });
    const f: Factor = { id: e.json.id, type: 'totp', secret: e.json.secret, algorithm: 'SHA1', digits: 6, period: 30 };
    const code = totpCode(f, srv.clock.now());
    expect((await prov('POST', `/users/confirm-replay/factors/${f.id}/confirm`, { code })).status).toBe(200);
    expect((await verify('confirm-replay', code)).json).toEqual({ ok: false, reason: 'code_already_used' });
    srv.clock.advance(30_000);
    expect((await verify('confirm-replay', totpCode(f, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('a user holds at most 20 factors: the 21st enrollment → 409 conflict', async () => {
    await srv.createUser('collector');
    for (let i = 0; i < 20; i++) expect((await prov('POST', '/users/collector/factors', { type: i % 2 ? 'hotp' : 'totp' })).status).toBe(201);
    const r = await prov('POST', '/users/collector/factors', { type: 'totp' });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('conflict');
  });

  it('POST factors totp → 201 pending with a Base32 secret and an otpauth URI naming the issuer twice', async () => {
    await srv.createUser('frank');
    const r = await prov('POST', '/users/frank/factors', { type: 'totp' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      id: expect.any(String),
      type: 'totp',
      status: 'pending',
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUri: expect.any(String),
      expiresAt: expect.stringMatching(ISO),
    });
    const uri = new URL(r.json.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(r.json.otpauthUri.startsWith('otpauth://totp/Tessera:frank?')).toBe(true);
    expect(uri.searchParams.get('issuer')).toBe('Tessera');
    expect(uri.searchParams.get('secret')).toBe(r.json.secret);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    // Pending enrollments expire after 72 h.
    expect(Date.parse(r.json.expiresAt) - srv.clock.now()).toBe(72 * 3_600_000);
  });

  it('responses that carry a secret are never cached and carry the security headers', async () => {
    await srv.createUser('nocache');
    for (const r of [await prov('POST', '/users/nocache/factors', { type: 'totp' }), await prov('POST', '/users/nocache/recovery-codes')]) {
      expect(r.status).toBe(201);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('POST factors hotp (SHA256, 8 digits) → 201 with counter in the URI', async () => {
    await srv.createUser('gina');
    const r = await prov('POST', '/users/gina/factors', { type: 'hotp', algorithm: 'SHA256', digits: 8 });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ type: 'hotp', status: 'pending' });
    expect(r.json.otpauthUri.startsWith('otpauth://hotp/Tessera:gina?')).toBe(true);
    const uri = new URL(r.json.otpauthUri);
    expect(uri.searchParams.get('issuer')).toBe('Tessera');
    expect(uri.searchParams.get('counter')).toBe('0');
    expect(uri.searchParams.get('algorithm')).toBe('SHA256');
    expect(uri.searchParams.get('digits')).toBe('8');
    const f: Factor = { id: r.json.id, type: 'hotp', secret: r.json.secret, algorithm: 'SHA256', digits: 8, period: 30 };
    const c = await prov('POST', `/users/gina/factors/${f.id}/confirm`, { code: hotpCode(f, 0) });
    expect(c.status).toBe(200);
    const v = await verify('gina', hotpCode(f, 1));
    expect(v.json).toEqual({ ok: true, factor: { id: f.id, type: 'hotp' } });
  });

  it('confirm: a wrong code → 400 invalid_code; the right one → 200 active; again → 409', async () => {
    await srv.createUser('hank');
    const e = await prov('POST', '/users/hank/factors', { type: 'totp' });
    const f: Factor = { id: e.json.id, type: 'totp', secret: e.json.secret, algorithm: 'SHA1', digits: 6, period: 30 };
    const near = [-1, 0, 1].map((o) => totpCode(f, srv.clock.now(), o));
    const bad = await prov('POST', `/users/hank/factors/${f.id}/confirm`, { code: wrongCode(near[1]!, near) });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_code');
    expect((await prov('GET', '/users/hank')).json.factors[0].status).toBe('pending');

    const ok = await prov('POST', `/users/hank/factors/${f.id}/confirm`, { code: near[1] });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: 'active' });
    const g = await prov('GET', '/users/hank');
    expect(g.json.factors[0]).toMatchObject({ id: f.id, status: 'active', expiresAt: null });
    expect(g.json.hasActiveFactor).toBe(true);

    const again = await prov('POST', `/users/hank/factors/${f.id}/confirm`, { code: totpCode(f, srv.clock.now(), 1) });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });

  it('a pending TOTP factor is activated by its first right code at /verify (issue 18: a sheet is finished by signing in)', async () => {
    await srv.createUser('ivy');
    const e = await prov('POST', '/users/ivy/factors', { type: 'totp' });
    const f: Factor = { id: e.json.id, type: 'totp', secret: e.json.secret, algorithm: 'SHA1', digits: 6, period: 30 };
    const wrong = await verify(
      'ivy',
      wrongCode(
        totpCode(f, srv.clock.now()),
        [-1, 0, 1].map((o) => totpCode(f, srv.clock.now(), o)),
      ),
    );
    expect(wrong.json).toEqual({ ok: false, reason: 'invalid_code' });
    const r = await verify('ivy', totpCode(f, srv.clock.now()));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    expect((await prov('GET', '/users/ivy')).json.factors).toMatchObject([{ id: f.id, status: 'active' }]);
    // Confirming it again is refused: it is active already.
    expect((await prov('POST', `/users/ivy/factors/${f.id}/confirm`, { code: totpCode(f, srv.clock.now(), 1) })).status).toBe(409);
  });

  it('an expired pending factor (past 72 h) cannot be confirmed, and the sweep removes it', async () => {
    await srv.createUser('jack');
    const e = await prov('POST', '/users/jack/factors', { type: 'totp' });
    const f: Factor = { id: e.json.id, type: 'totp', secret: e.json.secret, algorithm: 'SHA1', digits: 6, period: 30 };
    srv.clock.advance(72 * 3_600_000 + 1000);
    const r = await prov('POST', `/users/jack/factors/${f.id}/confirm`, { code: totpCode(f, srv.clock.now()) });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
    expect(r.json.error.message).toMatch(/expired/i);
    expect(expirePendingFactors(srv.services, SYSTEM_ACTOR)).toBeGreaterThanOrEqual(1);
    expect((await prov('GET', '/users/jack')).json.factors).toEqual([]);
  });

  it('DELETE a factor → 204; it no longer verifies; unknown factor → 404', async () => {
    await srv.createUser('kate');
    const f = await srv.activeFactor('kate', 'totp');
    const r = await prov('DELETE', `/users/kate/factors/${f.id}`, { reason: 'new phone' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await prov('GET', '/users/kate')).json.factors).toEqual([]);
    expect((await verify('kate', totpCode(f, srv.clock.now()))).json).toEqual({ ok: false, reason: 'no_factor' });
    const again = await prov('DELETE', `/users/kate/factors/${f.id}`, { reason: 'again' });
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('not_found');
  });

  it('POST reset → every factor and recovery code is gone', async () => {
    await srv.createUser('liam');
    const t = await srv.activeFactor('liam', 'totp');
    const h = await srv.activeFactor('liam', 'hotp');
    const codes = (await prov('POST', '/users/liam/recovery-codes')).json.codes as string[];
    const r = await prov('POST', '/users/liam/reset', { reason: 'lost phone' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ factorsRemoved: 2, recoveryCodesRemoved: 10 });
    const g = await prov('GET', '/users/liam');
    expect(g.json.factors).toEqual([]);
    expect(g.json.recoveryCodes).toEqual({ total: 0, unused: 0 });
    expect(g.json.hasActiveFactor).toBe(false);
    expect((await verify('liam', totpCode(t, srv.clock.now()))).json).toEqual({ ok: false, reason: 'no_factor' });
    expect((await verify('liam', hotpCode(h, 1))).json).toEqual({ ok: false, reason: 'no_factor' });
    expect((await verify('liam', codes[0]!)).json.ok).toBe(false);
  });

  it('POST recovery-codes → 201 with 10 distinct codes, replacing the old set', async () => {
    await srv.createUser('mia');
    const r = await prov('POST', '/users/mia/recovery-codes');
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(['codes']);
    const codes = r.json.codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
    const second = await prov('POST', '/users/mia/recovery-codes');
    expect(second.status).toBe(201);
    expect((await prov('GET', '/users/mia')).json.recoveryCodes).toEqual({ total: 10, unused: 10 });
    const old = await verify('mia', codes[0]!);
    expect(old.json).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('a recovery code verifies once, then is refused; case and dashes do not matter', async () => {
    await srv.createUser('nora');
    const codes = (await prov('POST', '/users/nora/recovery-codes')).json.codes as string[];
    const first = await verify('nora', codes[3]!);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ ok: true, factor: { id: expect.any(String), type: 'recovery' }, recoveryCodesLeft: 9 });
    const again = await verify('nora', codes[3]!);
    expect(again.json).toEqual({ ok: false, reason: 'code_already_used' });
    const relaxed = await verify('nora', codes[4]!.replace(/-/g, '').toLowerCase());
    expect(relaxed.json).toMatchObject({ ok: true, recoveryCodesLeft: 8 });
    expect((await prov('GET', '/users/nora')).json.recoveryCodes).toEqual({ total: 10, unused: 8 });
  });
});

describe('audit', () => {
  it('GET /audit: entry shape; filters by user, action, from/to; pages with a cursor', async () => {
    const t0 = srv.clock.advance(3_600_000);
    await srv.createUser('olga');
    srv.clock.advance(60_000);
    const t1 = srv.clock.now();
    const h = await srv.activeFactor('olga', 'hotp');
    await prov('POST', '/users/olga/unlock', { reason: 'test' });
    srv.clock.advance(60_000);
    const t2 = srv.clock.now();
    const upcoming = Array.from({ length: 12 }, (_, i) => hotpCode(h, i));
    await verify('olga', wrongCode(upcoming[1]!, upcoming));

    const audit = (q: string) => srv.call('GET', `${V1}/audit${q}`, { key: srv.keys.audit });
    const byUser = await audit('?user=olga');
    expect(byUser.status).toBe(200);
    expect(byUser.json.nextCursor).toBeNull();
    const items = byUser.json.items as any[];
    expect(items.map((e) => e.action)).toEqual(['verify', 'user.unlock', 'factor.confirm', 'factor.enroll', 'user.create']);
    for (const e of items) {
      expect(e).toMatchObject({
        seq: expect.any(Number),
        at: expect.stringMatching(ISO),
        action: expect.any(String),
        user: 'olga',
        outcome: expect.stringMatching(/^(success|failure|denied)$/),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        actor: { kind: 'apikey', id: expect.any(String), name: expect.any(String) },
      });
      expect(e).toHaveProperty('reason');
      expect(e).toHaveProperty('ip');
    }
    expect(items[0].actor.name).toBe('test-verify');
    expect(items[1]).toMatchObject({ reason: 'test', ip: '127.0.0.1', actor: { name: 'test-provision' } });
    expect(items.map((e) => e.seq)).toEqual([...items.map((e) => e.seq)].sort((a, b) => b - a));

    const byAction = await audit('?user=olga&action=user.create');
    expect(byAction.json.items).toHaveLength(1);
    expect(byAction.json.items[0]).toMatchObject({ action: 'user.create', at: new Date(t0).toISOString() });

    const window = await audit(`?user=olga&from=${encodeURIComponent(new Date(t1).toISOString())}&to=${encodeURIComponent(new Date(t2).toISOString())}`);
    expect(window.json.items.map((e: any) => e.action)).toEqual(['user.unlock', 'factor.confirm', 'factor.enroll']);

    const paged: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await audit(`?user=olga&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      paged.push(...r.json.items.map((e: any) => e.seq));
      cursor = r.json.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(paged).toEqual(items.map((e) => e.seq));
  });

  it('GET /audit?user= matches usernames as the API compares them: case-insensitively, after NFKC', async () => {
    await srv.createUser('Quinn');
    const audit = (q: string) => srv.call('GET', `${V1}/audit${q}`, { key: srv.keys.audit });
    const exact = await audit('?user=Quinn&action=user.create');
    expect(exact.json.items).toHaveLength(1);
    expect((await audit('?user=quinn&action=user.create')).json.items).toHaveLength(1);
    expect((await audit(`?user=${encodeURIComponent('\uFF31uinn')}&action=user.create`)).json.items).toHaveLength(1);
  });

  it('GET /audit/verify → ok with the entry count and head hash', async () => {
    const r = await srv.call('GET', `${V1}/audit/verify`, { key: srv.keys.audit });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, entries: srv.auditCount(), head: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('POST /verify', () => {
  it('an unknown user → 404 not_found', async () => {
    const r = await verify('no-such-user', '123456');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });
});
