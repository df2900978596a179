import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTessera, type RunningTessera } from '../tessera';
import { parseRawResponse, rawConnect, type RawConnection } from '../testing/rawHttp';
import { DEFAULT_HTTP_LIMITS, resolveHttpLimits, type HttpLimits } from './httpLimits';
import { SECURITY_HEADERS } from './security';

/**
 * Finding 7: a client that never finishes its headers, stalls or trickles
 * its body, or holds an idle keep-alive connection is closed; connections over
 * the cap are closed at once, and the server serves again when they are gone.
 * Over raw sockets against a real server with short limits. No assertion on
 * how long anything took: without the limits these connections stay open and
 * the test fails on its own timeout.
 */

const SHORT: HttpLimits = { headersTimeoutMs: 300, requestTimeoutMs: 1_200, idleTimeoutMs: 600, keepAliveTimeoutMs: 200, maxConnections: 50 };
const FAIL_AFTER_MS = 10_000;

const dirs: string[] = [];
async function start(limits: Partial<HttpLimits> | undefined): Promise<RunningTessera> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-limits-'));
  dirs.push(dir);
  return startTessera({ dataDir: dir, port: 0, env: {}, consoleDir: null, sweepIntervalMs: 24 * 3_600_000, ...(limits ? { httpLimits: limits } : {}) });
}

const openConnections = (t: RunningTessera) =>
  new Promise<number>((resolve, reject) => t.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
async function untilConnections(t: RunningTessera, test: (n: number) => boolean): Promise<void> {
  while (!test(await openConnections(t))) await new Promise((r) => setTimeout(r, 10));
}

let short: RunningTessera;
let host: string;
beforeAll(async () => {
  short = await start(SHORT);
  host = `127.0.0.1:${short.port}`;
});
afterAll(async () => {
  await short?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function expectTimeoutAnswer(received: string) {
  const r = parseRawResponse(received);
  expect(r.status).toBe(408);
  expect(r.json).toEqual({ error: { code: 'timeout', message: expect.stringMatching(/in time/) } });
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(r.headers[name], name).toBe(value);
}

describe('timeouts (short limits)', () => {
  it('headers that never finish: answered 408 in the API shape and closed, though bytes keep coming', { timeout: FAIL_AFTER_MS }, async () => {
    const c = await rawConnect(short.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`);
    // A header line every 50 ms: the idle timeout never fires, only the header timeout can end this.
    c.trickle('X-Slow: a\r\n', 50);
    expectTimeoutAnswer(await c.closed);
  });

  it('a connection that sends nothing at all is closed', { timeout: FAIL_AFTER_MS }, async () => {
    const c = await rawConnect(short.port);
    await c.closed;
    expect(c.socket.destroyed).toBe(true);
  });

  it('a body that stalls halfway is closed, and nothing is created', { timeout: FAIL_AFTER_MS }, async () => {
    const users = short.services.store.users.count();
    const body = '{"username":"stalled-user"}';
    const c = await rawConnect(
      short.port,
      `POST /api/v1/users HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await c.closed;
    expect(c.received()).not.toMatch(/^HTTP\/1\.1 2/);
    expect(short.services.store.users.count()).toBe(users);
  });

  it('a body that trickles forever is answered 408 and closed (the request timeout)', { timeout: FAIL_AFTER_MS }, async () => {
    const c = await rawConnect(short.port, `POST /api/v1/users HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n"`);
    c.trickle('a', 50); // never idle, never complete
    expectTimeoutAnswer(await c.closed);
  });

  it('an idle keep-alive connection is closed after its answer', { timeout: FAIL_AFTER_MS }, async () => {
    const c = await rawConnect(short.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const all = await c.closed;
    const r = parseRawResponse(all);
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('keep-alive');
    expect(r.json).toMatchObject({ ok: true });
  });

  it('a request sent without pauses is served as usual', async () => {
    const res = await fetch(`http://${host}/healthz`, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
  });
});

describe('connection cap', () => {
  let capped: RunningTessera;
  const holders: RawConnection[] = [];
  beforeAll(async () => {
    // Default timeouts: the held connections must outlive the test.
    capped = await start({ maxConnections: 3 });
  });
  afterAll(async () => {
    for (const h of holders) h.socket.destroy();
    await capped?.close();
  });

  it('refuses connections over the cap at once, and serves again when they are gone', { timeout: FAIL_AFTER_MS }, async () => {
    const h = `127.0.0.1:${capped.port}`;
    for (let i = 0; i < 3; i++) holders.push(await rawConnect(capped.port, `GET /healthz HTTP/1.1\r\nHost: ${h}\r\n`));
    await untilConnections(capped, (n) => n === 3);

    const over = await rawConnect(capped.port, `GET /healthz HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
    expect(await over.closed).toBe(''); // closed by the server without a byte

    for (const c of holders) c.socket.destroy();
    await untilConnections(capped, (n) => n === 0);
    const res = await fetch(`http://${h}/healthz`, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
  });
});

describe('defaults and options', () => {
  it('a server started without options has every limit set (Fastify would leave them at 0)', async () => {
    const t = await start(undefined);
    try {
      const server = t.app.server;
      expect(server.headersTimeout).toBe(DEFAULT_HTTP_LIMITS.headersTimeoutMs);
      expect(server.requestTimeout).toBe(DEFAULT_HTTP_LIMITS.requestTimeoutMs);
      expect(server.timeout).toBe(DEFAULT_HTTP_LIMITS.idleTimeoutMs);
      expect(server.keepAliveTimeout).toBe(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs);
      expect(server.maxConnections).toBe(DEFAULT_HTTP_LIMITS.maxConnections);
      for (const v of Object.values(DEFAULT_HTTP_LIMITS)) expect(v).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('the defaults leave room for the long legitimate work: a 50 MB upload, a slow client, keep-alive between calls', () => {
    // 50 MB at 200 KB/s is about 250 s.
    expect(DEFAULT_HTTP_LIMITS.requestTimeoutMs).toBeGreaterThanOrEqual(250_000);
    expect(DEFAULT_HTTP_LIMITS.idleTimeoutMs).toBeGreaterThanOrEqual(60_000);
    expect(DEFAULT_HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(DEFAULT_HTTP_LIMITS.requestTimeoutMs);
  });

  it('refuses a limit that is not a positive whole number, an unknown one, and headers above request', async () => {
    expect(() => resolveHttpLimits({ idleTimeoutMs: 0 })).toThrow(/positive whole number/);
    expect(() => resolveHttpLimits({ maxConnections: 1.5 })).toThrow(/positive whole number/);
    expect(() => resolveHttpLimits({ bogus: 1 } as Partial<HttpLimits>)).toThrow(/Unknown HTTP limit/);
    expect(() => resolveHttpLimits({ headersTimeoutMs: 10_000, requestTimeoutMs: 5_000 })).toThrow(/headersTimeoutMs/);
    await expect(start({ keepAliveTimeoutMs: -1 })).rejects.toThrow(/keepAliveTimeoutMs/);
  });
});
