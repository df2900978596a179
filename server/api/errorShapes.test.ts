import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import { generateToken, hashToken } from '../core/tokens';
import { startTestServer, type TestServer } from '../testing/harness';
import { parseRawResponse, rawExchange, type RawResponse } from '../testing/rawHttp';
import { SECURITY_HEADERS } from './security';

/**
 * Finding 11: every refusal has the API's error shape, a stable code and the
 * security headers — the ones Node's parser makes before Fastify runs (431,
 * not HTTP, Expect), tRPC's own (bad JSON, no such call, wrong method), two
 * Host headers, a charset other than UTF-8 and an unknown settings key — and
 * changes nothing. Over real HTTP, raw sockets where fetch cannot send it.
 */

let t: TestServer;
let host: string;
let admin: string;

/** An active admin with a live session, straight into the store (the login flow has its own tests). */
function adminCookie(): string {
  const { store } = t.services;
  const id = randomUUID();
  store.operators.insert({
    id,
    username: 'shape-admin',
    username_key: usernameKey('shape-admin'),
    display_name: null,
    role: 'admin',
    password_hash: null,
    status: 'active',
    created_at: t.clock.now(),
  });
  const sessionId = generateToken();
  const now = t.clock.now();
  store.sessions.insert({
    id_hash: hashToken(sessionId),
    operator_id: id,
    created_at: now,
    last_seen_at: now,
    expires_at: now + 3_600_000,
    ip: null,
    user_agent: null,
  });
  return `tessera_session=${sessionId}`;
}

beforeAll(async () => {
  t = await startTestServer();
  host = new URL(t.url).host;
  admin = adminCookie();
});
afterAll(async () => {
  await t?.close();
});

function expectSecurityHeaders(headers: Record<string, string> | Headers) {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(get(name), name).toBe(value);
  expect(get('cache-control')).toBe('no-store');
  expect(get('content-type')).toMatch(/^application\/json/);
}

/** The REST shape: {error:{code,message}} with a stable code whose status is the response's. */
function expectApiError(r: { status: number; json: unknown }, status: number, code: string, mentions?: RegExp) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const body = r.json as { error?: { code?: string; message?: string } };
  expect(body.error?.code).toBe(code);
  expect(ERROR_CODES[code as keyof typeof ERROR_CODES]).toBe(status);
  expect(typeof body.error?.message).toBe('string');
  if (mentions) expect(body.error!.message).toMatch(mentions);
}

async function raw(request: string): Promise<RawResponse> {
  return parseRawResponse(await rawExchange(t.running.port, request));
}

describe("(a) Node's own refusals, before Fastify", () => {
  it('headers over 16 KB → 431 headers_too_large in the API shape, with the security headers', async () => {
    const before = t.snapshot();
    const r = await raw(
      `POST /api/v1/users HTTP/1.1\r\nHost: ${host}\r\nX-Filler: ${'a'.repeat(20_000)}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expectApiError(r, 431, 'headers_too_large', /16 KB/);
    expectSecurityHeaders(r.headers);
    expect(t.snapshot()).toBe(before);
  });

  for (const [label, request] of [
    ['bytes that are not HTTP', 'GARBAGE\r\n\r\n'],
    ['a method with a character no method has', `G@T /healthz HTTP/1.1\r\nHost: HOST\r\n\r\n`],
    ['two different Content-Lengths', `POST /api/v1/users HTTP/1.1\r\nHost: HOST\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ['a header line without a colon', `GET /healthz HTTP/1.1\r\nHost: HOST\r\nno colon here\r\n\r\n`],
    ['a control character in a header value', `GET /healthz HTTP/1.1\r\nHost: HOST\r\nX-Bad: a\x01b\r\n\r\n`],
  ] as const) {
    it(`${label} → 400 bad_request in the API shape, with the security headers`, async () => {
      const r = await raw(request.replaceAll('HOST', host));
      expectApiError(r, 400, 'bad_request', /not valid HTTP/);
      expectSecurityHeaders(r.headers);
    });
  }

  it('an Expect other than 100-continue → 417 expectation_failed in the API shape', async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nExpect: something-else\r\nConnection: close\r\n\r\n`);
    expectApiError(r, 417, 'expectation_failed', /100-continue/);
    expectSecurityHeaders(r.headers);
  });

  it('Expect: 100-continue still works', async () => {
    const all = await rawExchange(t.running.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    expect(all).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });
});

describe('(b) tRPC transport errors: a stable code, our words, never the parser text', () => {
  const trpc = (method: string, pathAndQuery: string, body?: string, headers: Record<string, string> = {}) =>
    t.call(method, `/trpc/${pathAndQuery}`, {
      headers: { cookie: admin, 'x-tessera-csrf': '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { rawBody: body } : {}),
    });

  function expectConsoleError(r: { status: number; json: any; headers: Headers }, status: number, tesseraCode: string) {
    expect(r.status, JSON.stringify(r.json)).toBe(status);
    const error = Array.isArray(r.json) ? r.json[0].error : r.json.error;
    // tRPC's envelope: a JSON-RPC number in `code` (its client needs it), our stable code in data.tesseraCode.
    expect(typeof error.code).toBe('number');
    expect(typeof error.message).toBe('string');
    expect(error.data.tesseraCode).toBe(tesseraCode);
    expect(error.data.httpStatus).toBe(status);
    expect(error.message).not.toMatch(/Unexpected|in JSON|JSON input|position \d+|line \d+ column/);
    expectSecurityHeaders(r.headers);
    return error as { message: string; data: { fields: { path: string; message: string }[] | null } };
  }

  it('a mutation body that is not JSON → 400 bad_request "not valid JSON", without JSON.parse\'s message; nothing changes', async () => {
    const before = t.snapshot();
    const error = expectConsoleError(await trpc('POST', 'settings.update', '{"issuer": "x",'), 400, 'bad_request');
    expect(error.message).toBe('The request is not valid JSON');
    expect(t.snapshot()).toBe(before);
  });

  it('a query input that is not JSON → 400 bad_request "not valid JSON"', async () => {
    const error = expectConsoleError(await trpc('GET', `users.get?input=${encodeURIComponent('{"username": nope}')}`), 400, 'bad_request');
    expect(error.message).toBe('The request is not valid JSON');
  });

  it('a batch whose input is not JSON → every call bad_request', async () => {
    const r = await trpc('GET', `users.get,users.get?batch=1&input=${encodeURIComponent('{"0":')}`);
    expect(r.status).toBe(400);
    expect(r.json).toHaveLength(2);
    for (const item of r.json) {
      expect(item.error.data.tesseraCode).toBe('bad_request');
      expect(item.error.message).toBe('The request is not valid JSON');
    }
  });

  it('no such procedure → 404 not_found, without echoing the path', async () => {
    const error = expectConsoleError(await trpc('GET', 'nope.nothing'), 404, 'not_found');
    expect(error.message).not.toContain('nope');
  });

  it('a mutation called with GET → 405 method_not_allowed', async () => {
    expectConsoleError(await trpc('GET', 'settings.update'), 405, 'method_not_allowed');
  });

  it('bad input by schema keeps its field list (bad_request, fields named)', async () => {
    const error = expectConsoleError(await trpc('POST', 'settings.update', JSON.stringify({ totpWindow: 7 })), 400, 'bad_request');
    expect(error.data.fields?.map((f) => f.path)).toContain('totpWindow');
  });

  it('a form (multipart) to a mutation → 415, where tRPC would read it', async () => {
    const before = t.snapshot();
    const r = await t.call('POST', '/trpc/settings.update', {
      headers: { cookie: admin, 'x-tessera-csrf': '1', 'content-type': 'multipart/form-data; boundary=XyZ' },
      rawBody: '--XyZ\r\nContent-Disposition: form-data; name="issuer"\r\n\r\nForm\r\n--XyZ--\r\n',
    });
    expectApiError(r, 415, 'unsupported_media_type');
    expectSecurityHeaders(r.headers);
    expect(t.snapshot()).toBe(before);
  });
});

describe('(c) Host', () => {
  for (const order of ['ours first', 'ours second'] as const) {
    it(`two Host headers (${order}) → 400 bad_request, nothing changes`, async () => {
      const before = t.snapshot();
      const hosts = order === 'ours first' ? [host, 'evil.example'] : ['evil.example', host];
      const body = JSON.stringify({ username: 'two-hosts' });
      const r = await raw(
        `POST /api/v1/users HTTP/1.1\r\nHost: ${hosts[0]}\r\nHost: ${hosts[1]}\r\nAuthorization: Bearer ${t.keys.provision}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      expectApiError(r, 400, 'bad_request', /one Host header/);
      expectSecurityHeaders(r.headers);
      expect(t.snapshot()).toBe(before);
    });
  }

  it('the same Host twice is refused too (a proxy may have seen another)', async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nhost: ${host}\r\nConnection: close\r\n\r\n`);
    expectApiError(r, 400, 'bad_request', /one Host header/);
  });

  it("no Host header on HTTP/1.1 → 400 in the API shape (not Node's bare 400)", async () => {
    const r = await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    expectApiError(r, 400, 'bad_request', /one Host header/);
    expectSecurityHeaders(r.headers);
  });

  it('one Host header is served as usual', async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBe(200);
  });
});

describe('(d) charset', () => {
  const body = (name: string) => Buffer.from(JSON.stringify({ username: name }), 'utf16le');
  for (const type of [
    'application/json; charset=utf-16',
    'application/json; charset=UTF-16LE',
    'application/json;charset="iso-8859-1"',
    'application/json; charset=utf-8; charset=utf-16',
  ]) {
    it(`${type} → 415 unsupported_media_type naming UTF-8, nothing created`, async () => {
      const before = t.snapshot();
      const r = await t.call('POST', '/api/v1/users', { key: t.keys.provision, rawBody: body('utf16-user'), headers: { 'content-type': type } });
      expectApiError(r, 415, 'unsupported_media_type', /UTF-8/);
      expectSecurityHeaders(r.headers);
      expect(t.snapshot()).toBe(before);
    });
  }

  it('the console (tRPC) refuses it the same way', async () => {
    const before = t.snapshot();
    const r = await t.call('POST', '/trpc/settings.update', {
      rawBody: JSON.stringify({ issuer: 'Sixteen' }),
      headers: { cookie: admin, 'x-tessera-csrf': '1', 'content-type': 'application/json; charset=utf-16' },
    });
    expectApiError(r, 415, 'unsupported_media_type', /UTF-8/);
    expect(t.snapshot()).toBe(before);
  });

  for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8', 'application/json']) {
    it(`${type} is read`, async () => {
      const name = `charset-${randomUUID().slice(0, 8)}`;
      const r = await t.call('POST', '/api/v1/users', {
        key: t.keys.provision,
        rawBody: JSON.stringify({ username: name }),
        headers: { 'content-type': type },
      });
      expect(r.status, r.text).toBe(201);
    });
  }
});

describe('(e) settings patch', () => {
  const update = (patch: unknown) => t.call('POST', '/trpc/settings.update', { body: patch, headers: { cookie: admin, 'x-tessera-csrf': '1' } });

  it('an unknown top-level key → 400 naming it, nothing changes (was silently dropped)', async () => {
    const before = t.snapshot();
    const r = await update({ issuer: 'Renamed', throttleLockAfterr: 3 });
    expect(r.status).toBe(400);
    expect(r.json.error.data.tesseraCode).toBe('bad_request');
    expect(r.json.error.message).toContain('throttleLockAfterr');
    expectSecurityHeaders(r.headers);
    expect(t.snapshot()).toBe(before);
  });

  it('an unknown method → 400 naming it, nothing changes', async () => {
    const before = t.snapshot();
    const r = await update({ methods: { totp: true, push: true } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('push');
    expect(r.json.error.data.fields).toContainEqual({ path: 'methods', message: expect.stringContaining('push') });
    expect(t.snapshot()).toBe(before);
  });

  it('a sent-code setting out of range → 400 in words, nothing changes', async () => {
    const before = t.snapshot();
    const r = await update({ deliveredCodeMinutes: 0, deliveredCodeDigits: 5 });
    expect(r.status).toBe(400);
    expect(r.json.error.data.fields).toContainEqual({ path: 'deliveredCodeMinutes', message: 'A sent code must live at least 1 minute' });
    expect(r.json.error.data.fields).toContainEqual({ path: 'deliveredCodeDigits', message: 'Code length must be 6, 7 or 8 digits' });
    expect(t.snapshot()).toBe(before);
  });

  it('known keys only still save', async () => {
    const r = await update({ issuer: 'Strict Co', methods: { hotp: false } });
    expect(r.status, r.text).toBe(200);
    expect(t.services.settings.get()).toMatchObject({ issuer: 'Strict Co', methods: { hotp: false } });
  });
});
