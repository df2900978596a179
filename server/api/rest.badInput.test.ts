import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CallOptions, type TestServer } from '../testing/harness';

/**
 * Invariant 7: bad input gets a clear error (status, stable code, a message
 * naming the field) and changes nothing — checked against a dump of every table.
 */

const V1 = '/api/v1';

let srv: TestServer;
let factorId: string;
beforeAll(async () => {
  srv = await startTestServer();
  await srv.createUser('target');
  const e = await srv.call('POST', `${V1}/users/target/factors`, { key: srv.keys.provision, body: { type: 'totp' } });
  factorId = e.json.id;
});
afterAll(async () => {
  await srv?.close();
});

interface Expect {
  status: number;
  code: string;
  /** Text the message must contain (case-insensitive): usually the field's name. */
  mentions?: string;
  /** The field path the error's `fields` list must contain. */
  field?: string;
}

/** Sends a call that must be refused and proves no table changed. */
async function expectBad(method: string, path: string, opts: CallOptions, e: Expect) {
  const before = srv.snapshot();
  const r = await srv.call(method, path.startsWith('/') && !path.startsWith(V1) && path !== '/healthz' ? `${V1}${path}` : path, { key: srv.keys.all, ...opts });
  expect(r.status, r.text).toBe(e.status);
  expect(r.json?.error?.code, r.text).toBe(e.code);
  expect(typeof r.json.error.message).toBe('string');
  if (e.mentions) expect(r.json.error.message.toLowerCase(), r.json.error.message).toContain(e.mentions.toLowerCase());
  if (e.field)
    expect(
      r.json.error.fields?.map((f: { path: string }) => f.path),
      r.text,
    ).toContain(e.field);
  expect(srv.snapshot()).toBe(before);
  return r;
}

const field = (name: string, status = 400): Expect => ({ status, code: 'bad_request', mentions: name, field: name });

describe('POST /users: wrong types, missing and unknown fields', () => {
  const cases: [string, unknown, Expect][] = [
    ['username is a number', { username: 42 }, field('username')],
    ['username is null', { username: null }, field('username')],
    ['username is an object', { username: { $ne: '' } }, field('username')],
    ['username missing', { displayName: 'No Name' }, field('username')],
    ['username empty', { username: '' }, field('username')],
    ['username only spaces', { username: '   ' }, field('username')],
    ['displayName a boolean', { username: 'ok-name', displayName: true }, field('displayName')],
    ['email not an address', { username: 'ok-name', email: 'not-an-email' }, field('email')],
    ['email too long', { username: 'ok-name', email: `${'a'.repeat(250)}@example.com` }, field('email')],
    ['an unknown extra field', { username: 'ok-name', role: 'admin' }, { status: 400, code: 'bad_request', mentions: 'role' }],
    [
      'prototype-pollution shaped field',
      { username: 'ok-name', constructor: { prototype: { polluted: true } } },
      { status: 400, code: 'bad_request', mentions: 'constructor' },
    ],
    ['the body is an array', [{ username: 'ok-name' }], { status: 400, code: 'bad_request' }],
    ['the body is a string', 'ok-name', { status: 400, code: 'bad_request' }],
    ['the body is a number', 7, { status: 400, code: 'bad_request' }],
  ];
  for (const [label, body, e] of cases) {
    it(`${label} → ${e.status} ${e.code}`, async () => {
      await expectBad('POST', '/users', { body }, e);
    });
  }

  it('the body is JSON null → 400', async () => {
    await expectBad('POST', '/users', { rawBody: 'null', headers: { 'content-type': 'application/json' } }, { status: 400, code: 'bad_request' });
  });
  it('prototype pollution through __proto__ does not reach anything', async () => {
    // __proto__ is dropped by the parser; what is left is an ordinary request.
    const r = await srv.call('POST', `${V1}/users`, {
      key: srv.keys.provision,
      rawBody: '{"username":"proto-user","__proto__":{"isAdmin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect([201, 400]).toContain(r.status);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('odd Unicode', () => {
  const cases: [string, string][] = [
    ['a zero-width space', 'ab\u200Bcd'],
    ['an RTL override (U+202E)', 'user\u202Egnp.exe'],
    ['a NUL', 'ab\u0000cd'],
    ['a line separator', 'ab\u2028cd'],
    ['a BOM inside', 'ab\uFEFFcd'],
    ['a control character', 'ab\u0007cd'],
    ['a private-use character', 'ab\uE000cd'],
    ['129 characters', 'x'.repeat(129)],
    ['more than 128 characters after NFKC (ﬃ → ffi)', '\uFB03'.repeat(50)],
  ];
  for (const [label, username] of cases) {
    it(`a username with ${label} → 400 naming username`, async () => {
      await expectBad('POST', '/users', { body: { username } }, field('username'));
    });
  }
  it('a lone surrogate escape "\\ud800" in the JSON → 400 naming username', async () => {
    await expectBad('POST', '/users', { rawBody: '{"username":"ab\\ud800cd"}', headers: { 'content-type': 'application/json' } }, field('username'));
  });
  it('a lone surrogate in displayName → 400 naming displayName', async () => {
    await expectBad(
      'POST',
      '/users',
      { rawBody: '{"username":"fine-name","displayName":"x\\udfffy"}', headers: { 'content-type': 'application/json' } },
      field('displayName'),
    );
  });
  it('an RTL override in a reason → 400 naming reason', async () => {
    await expectBad('DELETE', '/users/target', { body: { reason: 'ok\u202Edeleted' } }, field('reason'));
  });
  it('a zero-width space in a factor label → 400 naming label', async () => {
    await expectBad('POST', '/users/target/factors', { body: { type: 'totp', label: 'phone\u200B' } }, field('label'));
  });
  it('a username of exactly 128 characters is fine', async () => {
    const name = 'y'.repeat(128);
    const r = await srv.call('POST', `${V1}/users`, { key: srv.keys.provision, body: { username: name } });
    expect(r.status).toBe(201);
    expect(r.json.username).toBe(name);
  });
  it('a zero-width space in a path username → 400, not a lookup', async () => {
    await expectBad('GET', `/users/${encodeURIComponent('tar\u200Bget')}`, {}, field('path.username'));
  });
});

describe('SQL and HTML in strings: legal text, stored as text, nothing else changes', () => {
  const nasty = [`' OR 1=1 --`, `"; DROP TABLE users; --`, `<script>alert(1)</script>`, `Robert'); DROP TABLE factors;--`];
  for (const name of nasty) {
    it(`username ${JSON.stringify(name)}`, async () => {
      const before = JSON.parse(srv.snapshot()) as Record<string, unknown[]>;
      const r = await srv.call('POST', `${V1}/users`, { key: srv.keys.provision, body: { username: name, displayName: name } });
      expect(r.status, r.text).toBe(201);
      expect(r.json.username).toBe(name);
      expect(r.json.displayName).toBe(name);
      const after = JSON.parse(srv.snapshot()) as Record<string, unknown[]>;
      // Every table is still there, and only the expected ones moved.
      expect(Object.keys(after)).toEqual(Object.keys(before));
      for (const t of Object.keys(before)) {
        // The users table and its derived search index, the audit log and its head and counters, key last-use.
        if (t === 'users' || t.startsWith('users_') || t.startsWith('audit_') || t === 'api_keys') continue;
        expect(after[t], t).toEqual(before[t]);
      }
      // Every earlier user row unchanged (not by position: PostgreSQL's snapshot orders rows by their columns, not by insertion).
      expect(after.users).toEqual(expect.arrayContaining(before.users!));
      expect(after.users!.length).toBe(before.users!.length + 1);
      expect(after.audit_log!.length).toBe(before.audit_log!.length + 1);

      const g = await srv.call('GET', `${V1}/users/${encodeURIComponent(name)}`, { key: srv.keys.provision });
      expect(g.status).toBe(200);
      expect(g.json.username).toBe(name);
      const search = await srv.call('GET', `${V1}/users?query=${encodeURIComponent(name)}`, { key: srv.keys.provision });
      expect(search.json.items.map((u: { username: string }) => u.username)).toEqual([name]);
    });
  }

  it('SQL in a verify user and in a search matches nothing and changes nothing', async () => {
    await expectBad('POST', '/verify', { body: { user: `x' OR '1'='1`, code: '123456' } }, { status: 404, code: 'not_found' });
    const before = srv.snapshot();
    const r = await srv.call('GET', `${V1}/users?query=${encodeURIComponent(`zz%' OR 1=1 --`)}`, { key: srv.keys.provision });
    expect(r.json).toEqual({ items: [], nextCursor: null });
    // LIKE wildcards are literal.
    const pct = await srv.call('GET', `${V1}/users?query=%25`, { key: srv.keys.provision });
    expect(pct.json.items).toEqual([]);
    const us = await srv.call('GET', `${V1}/users?query=_`, { key: srv.keys.provision });
    expect(us.json.items).toEqual([]);
    expect(srv.snapshot().replace(/"last_used_at":\d+/g, '')).toBe(before.replace(/"last_used_at":\d+/g, ''));
  });

  it('the HTML comes back as JSON data, never as a page', async () => {
    const r = await srv.call('GET', `${V1}/users/${encodeURIComponent('<script>alert(1)</script>')}`, { key: srv.keys.provision });
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('bodies: size, syntax, content type', () => {
  it('a body over 64 KB → 413 too_large', async () => {
    await expectBad('POST', '/users', { body: { username: 'big', displayName: 'x'.repeat(70 * 1024) } }, { status: 413, code: 'too_large', mentions: '64 KB' });
  });
  it('a body of exactly 64 KB is read (and refused by the schema, not the size)', async () => {
    const pad = 64 * 1024 - JSON.stringify({ username: 'big', displayName: '' }).length;
    await expectBad('POST', '/users', { body: { username: 'big', displayName: 'x'.repeat(pad) } }, field('displayName'));
  });
  it('not JSON with a JSON content type → 400', async () => {
    await expectBad(
      'POST',
      '/users',
      { rawBody: '{"username": "broken"', headers: { 'content-type': 'application/json' } },
      { status: 400, code: 'bad_request', mentions: 'JSON' },
    );
  });
  it('trailing garbage after JSON → 400', async () => {
    await expectBad(
      'POST',
      '/users',
      { rawBody: '{"username":"x"} trailing', headers: { 'content-type': 'application/json' } },
      { status: 400, code: 'bad_request', mentions: 'JSON' },
    );
  });
  for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=XyZ', 'text/html', 'application/xml']) {
    it(`Content-Type ${type} → 415`, async () => {
      const rawBody = type.startsWith('multipart')
        ? '--XyZ\r\nContent-Disposition: form-data; name="username"\r\n\r\nformuser\r\n--XyZ--\r\n'
        : type.includes('urlencoded')
          ? 'username=formuser'
          : '{"username":"formuser"}';
      await expectBad(
        'POST',
        '/users',
        { rawBody, headers: { 'content-type': type } },
        { status: 415, code: 'unsupported_media_type', mentions: 'application/json' },
      );
    });
  }
  it('a JSON body with no content type → 415', async () => {
    // fetch labels a string body text/plain; send a Buffer to send no type at all.
    await expectBad('POST', '/users', { rawBody: Buffer.from('{"username":"untyped"}') }, { status: 415, code: 'unsupported_media_type' });
  });
  it('application/json; charset=utf-8 is accepted', async () => {
    const r = await srv.call('POST', `${V1}/users`, {
      key: srv.keys.provision,
      rawBody: '{"username":"charset-user"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(r.status).toBe(201);
  });
  it('an empty body where one is required → 400 naming the body', async () => {
    await expectBad('POST', '/users', { rawBody: '', headers: { 'content-type': 'application/json' } }, { status: 400, code: 'bad_request', mentions: 'body' });
    await expectBad('POST', '/users', {}, { status: 400, code: 'bad_request', mentions: 'body' });
    await expectBad('DELETE', '/users/target', {}, { status: 400, code: 'bad_request', mentions: 'body' });
    await expectBad(
      'POST',
      '/verify',
      { rawBody: '   ', headers: { 'content-type': 'application/json' } },
      { status: 400, code: 'bad_request', mentions: 'body' },
    );
  });
  it('a body on a call that takes none → 400', async () => {
    await expectBad('POST', '/users/target/recovery-codes', { body: { count: 100 } }, { status: 400, code: 'bad_request', mentions: 'body' });
  });
});

describe('POST /verify input', () => {
  const cases: [string, unknown, Expect][] = [
    ['code a number', { user: 'target', code: 123456 }, field('code')],
    ['code missing', { user: 'target' }, field('code')],
    ['code empty', { user: 'target', code: '' }, field('code')],
    ['code too long', { user: 'target', code: '1'.repeat(65) }, field('code')],
    ['user missing', { code: '123456' }, field('user')],
    ['user an array', { user: ['target'], code: '123456' }, field('user')],
    ['an extra field', { user: 'target', code: '123456', factorId: 'x' }, { status: 400, code: 'bad_request', mentions: 'factorId' }],
  ];
  for (const [label, body, e] of cases) {
    it(`${label} → ${e.status}`, async () => {
      await expectBad('POST', '/verify', { body }, e);
    });
  }
  it('an unknown user → 404 not_found', async () => {
    await expectBad('POST', '/verify', { body: { user: 'ghost', code: '123456' } }, { status: 404, code: 'not_found', mentions: 'user' });
  });
});

describe('factors input', () => {
  const enroll: [string, unknown, Expect][] = [
    ['type push', { type: 'push' }, field('type')],
    ['sms while SMS codes are off', { type: 'sms', destination: '+44 7911 123456' }, { status: 403, code: 'method_disabled', mentions: 'SMS' }],
    ['type missing', {}, field('type')],
    ['digits 7', { type: 'totp', digits: 7 }, field('digits')],
    ['digits as text', { type: 'totp', digits: '6' }, field('digits')],
    ['period 45', { type: 'totp', period: 45 }, field('period')],
    ['algorithm MD5', { type: 'totp', algorithm: 'MD5' }, field('algorithm')],
    ['a client-chosen secret', { type: 'totp', secret: 'JBSWY3DPEHPK3PXP' }, { status: 400, code: 'bad_request', mentions: 'secret' }],
  ];
  for (const [label, body, e] of enroll) {
    it(`enroll with ${label} → 400`, async () => {
      await expectBad('POST', '/users/target/factors', { body }, e);
    });
  }
  it('enroll for an unknown user → 404', async () => {
    await expectBad('POST', '/users/ghost/factors', { body: { type: 'totp' } }, { status: 404, code: 'not_found' });
  });
  it('confirm an unknown factor id → 404', async () => {
    await expectBad(
      'POST',
      `/users/target/factors/${randomUUID()}/confirm`,
      { body: { code: '123456' } },
      { status: 404, code: 'not_found', mentions: 'factor' },
    );
  });
  it("confirm another user's factor id → 404", async () => {
    await srv.createUser('other-user');
    await expectBad('POST', `/users/other-user/factors/${factorId}/confirm`, { body: { code: '123456' } }, { status: 404, code: 'not_found' });
  });
  it('confirm with an id that is not an id → 400 naming id', async () => {
    await expectBad('POST', `/users/target/factors/${encodeURIComponent("1' OR '1'='1")}/confirm`, { body: { code: '123456' } }, field('path.id'));
  });
  it('confirm without a code → 400 naming code', async () => {
    await expectBad('POST', `/users/target/factors/${factorId}/confirm`, { body: {} }, field('code'));
  });
  it('delete an unknown factor → 404', async () => {
    await expectBad('DELETE', `/users/target/factors/${randomUUID()}`, { body: { reason: 'x' } }, { status: 404, code: 'not_found' });
  });
  it('delete a factor without a reason → 400 naming reason', async () => {
    await expectBad('DELETE', `/users/target/factors/${factorId}`, { body: {} }, field('reason'));
  });
});

describe('users input', () => {
  it('delete an unknown user → 404', async () => {
    await expectBad('DELETE', '/users/ghost', { body: { reason: 'x' } }, { status: 404, code: 'not_found' });
  });
  it('delete with an empty reason → 400 naming reason', async () => {
    await expectBad('DELETE', '/users/target', { body: { reason: '  ' } }, field('reason'));
  });
  it('delete with a reason over 500 characters → 400', async () => {
    await expectBad('DELETE', '/users/target', { body: { reason: 'r'.repeat(501) } }, field('reason'));
  });
  it('unlock an unknown user → 404', async () => {
    await expectBad('POST', '/users/ghost/unlock', { body: { reason: 'x' } }, { status: 404, code: 'not_found' });
  });
  it('unlock with a reason of the wrong type → 400', async () => {
    await expectBad('POST', '/users/target/unlock', { body: { reason: 5 } }, field('reason'));
  });
  it('reset an unknown user → 404; reset without reason → 400', async () => {
    await expectBad('POST', '/users/ghost/reset', { body: { reason: 'x' } }, { status: 404, code: 'not_found' });
    await expectBad('POST', '/users/target/reset', { body: { why: 'x' } }, { status: 400, code: 'bad_request', mentions: 'reason' });
  });
  it('recovery codes for an unknown user → 404', async () => {
    await expectBad('POST', '/users/ghost/recovery-codes', {}, { status: 404, code: 'not_found' });
  });
  it('a path username of 129 characters → 400 naming path.username', async () => {
    await expectBad('GET', `/users/${'z'.repeat(129)}`, {}, field('path.username'));
  });
  it('a user with a 128-character name (legal) can be read, enrolled, unlocked and deleted by path', async () => {
    const name = 'w'.repeat(128);
    await srv.createUser(name);
    const p = `${V1}/users/${name}`;
    expect((await srv.call('GET', p, { key: srv.keys.provision })).status).toBe(200);
    expect((await srv.call('POST', `${p}/factors`, { key: srv.keys.provision, body: { type: 'totp' } })).status).toBe(201);
    expect((await srv.call('POST', `${p}/unlock`, { key: srv.keys.provision, body: { reason: 'x' } })).status).toBe(200);
    expect((await srv.call('DELETE', p, { key: srv.keys.provision, body: { reason: 'x' } })).status).toBe(204);
  });
  it('a 128-character non-ASCII name works by path too (percent-encoded, 4 bytes a character)', async () => {
    const name = '\u{1F600}'.repeat(64); // 64 emoji = 128 UTF-16 code units
    const r = await srv.call('POST', `${V1}/users`, { key: srv.keys.provision, body: { username: name } });
    expect(r.status, r.text).toBe(201);
    const g = await srv.call('GET', `${V1}/users/${encodeURIComponent(name)}`, { key: srv.keys.provision });
    expect(g.status, g.text).toBe(200);
    expect(g.json.username).toBe(name);
  });
  it('a very long path segment → an error in the API shape, nothing changes', async () => {
    const r = await expectBad('GET', `/users/${'z'.repeat(5000)}`, {}, { status: 400, code: 'bad_request' });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
  it('a malformed percent-encoding in the path → 400 in the API shape, nothing changes', async () => {
    const r = await expectBad('GET', '/users/%E0%A4%A', {}, { status: 400, code: 'bad_request' });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('query parameters', () => {
  const cases: [string, Expect][] = [
    ['/users?limit=0', field('query.limit')],
    ['/users?limit=10000', field('query.limit')],
    ['/users?limit=-1', field('query.limit')],
    ['/users?limit=abc', field('query.limit')],
    ['/users?limit=2.5', field('query.limit')],
    ['/users?cursor=!!!', field('query.cursor')],
    ['/users?cursor=a', { status: 400, code: 'bad_request', mentions: 'cursor' }],
    ['/users?unknown=1', { status: 400, code: 'bad_request', mentions: 'unknown' }],
    [`/users?query=${'q'.repeat(129)}`, field('query.query')],
    ['/audit?limit=0', field('query.limit')],
    ['/audit?limit=10000', field('query.limit')],
    ['/audit?cursor=a', { status: 400, code: 'bad_request', mentions: 'cursor' }],
    [`/audit?cursor=${Buffer.from('abc').toString('base64url')}`, { status: 400, code: 'bad_request', mentions: 'cursor' }],
    ['/audit?from=yesterday', field('query.from')],
    ['/audit?to=2026-13-01T00:00:00Z', field('query.to')],
    ['/audit?outcome=maybe', field('query.outcome')],
    ['/audit?order=sideways', field('query.order')],
  ];
  for (const [path, e] of cases) {
    it(`GET ${path} → 400`, async () => {
      await expectBad('GET', path, {}, e);
    });
  }
});

describe('routing and Host', () => {
  it('a Host header that is not ours → 421, nothing changes', async () => {
    await expectBad(
      'POST',
      '/users',
      { body: { username: 'rebind' }, headers: { host: 'evil.example' } },
      { status: 421, code: 'bad_request', mentions: 'host' },
    );
    const port = new URL(srv.url).port;
    await expectBad(
      'POST',
      '/users',
      { body: { username: 'rebind' }, headers: { host: `attacker.example:${port}` } },
      { status: 421, code: 'bad_request', mentions: 'host' },
    );
    await expectBad('GET', '/healthz', { headers: { host: `127.0.0.1:${Number(port) + 1}` } }, { status: 421, code: 'bad_request' });
  });
  it('our own Host names are accepted', async () => {
    const port = new URL(srv.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const r = await srv.call('GET', '/healthz', { headers: { host } });
      expect(r.status, host).toBe(200);
    }
  });
  it('an unknown endpoint or method → 404 not_found', async () => {
    await expectBad('GET', '/nope', {}, { status: 404, code: 'not_found' });
    await expectBad('PUT', '/users/target', { body: { username: 'x' } }, { status: 404, code: 'not_found' });
  });
});
