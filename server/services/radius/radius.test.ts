import dgram from 'node:dgram';
import { createHmac, randomBytes } from 'node:crypto';
import radius from 'radius';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, wrongCode, type TestServer } from '../../testing/harness';
import { SYSTEM_ACTOR } from '../context';
import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtpServer';
import { setSmsTransport, setSmtpTransport } from '../delivery/transports';
import { startGatewayServer, type TestGatewayServer } from '../../testing/gatewayServer';
import { updateSettings } from '../settings';
import { addRadiusClient, updateRadiusClient } from './clients';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTessera } from '../../tessera';
import { radiusOptionsFromEnv, startRadiusServer, type RunningRadius } from './server';
import { radiusStatus } from './status';
import { radclient as radclientAt, withMA } from './radclient.testkit';

/**
 * The RADIUS server against real clients: FreeRADIUS's radclient for PAP,
 * challenge and Message-Authenticator; a Node client (the radius package
 * encodes) for what radclient cannot send: malformed packets, a wrong
 * secret, an unknown source, a retransmission.
 */

const SECRET = 'vpn-shared-secret-2026';
let srv: TestServer;
let smtp: TestSmtpServer;
let gateway: TestGatewayServer;
let rad: RunningRadius;
let clientId: string;
let unique = 0;

beforeAll(async () => {
  srv = await startTestServer();
  smtp = await startSmtpServer();
  gateway = await startGatewayServer((_req, res) => res.end('{"status":"queued"}'));
  updateSettings(srv.services, { ...DEFAULT_SETTINGS, methods: { ...DEFAULT_SETTINGS.methods, email: true, sms: true } }, SYSTEM_ACTOR);
  setSmsTransport(
    srv.services,
    {
      profile: 'http',
      url: gateway.url,
      headers: [],
      bodyFormat: 'json',
      bodyTemplate: '{"to":"{{to}}","text":"{{message}}"}',
      successStatuses: [],
      successBodyContains: '',
      timeoutMs: 3000,
      secret: null,
    },
    SYSTEM_ACTOR,
  );
  setSmtpTransport(
    srv.services,
    { host: '127.0.0.1', port: smtp.port, tls: 'none', username: null, from: 'mfa@example.org', verifyCertificate: true, timeoutMs: 3000 },
    SYSTEM_ACTOR,
  );
  rad = await startRadiusServer(srv.services, { port: 0 });
  clientId = addRadiusClient(srv.services, { name: 'vpn', address: '127.0.0.1', secret: SECRET, mode: 'code' }, SYSTEM_ACTOR).id;
});

afterAll(async () => {
  await rad?.close();
  await srv?.close();
  await smtp?.close();
  await gateway?.close();
});

function setClient(patch: { mode?: 'code' | 'challenge'; requireMessageAuthenticator?: boolean }): void {
  updateRadiusClient(srv.services, { id: clientId, ...patch }, SYSTEM_ACTOR);
}

async function totpUser(): Promise<{ username: string; code: () => string; factor: Awaited<ReturnType<TestServer['activeFactor']>> }> {
  const username = `radius-user-${++unique}`;
  await srv.createUser(username);
  const factor = await srv.activeFactor(username, 'totp');
  return { username, factor, code: () => totpCode(factor, srv.clock.now()) };
}

const radclient = (attrs: Record<string, string>, secret = SECRET) => radclientAt(rad.port, attrs, secret);

describe('code only (PAP)', () => {
  beforeAll(() => setClient({ mode: 'code', requireMessageAuthenticator: true }));

  it('accepts the right code, with one verify entry naming the client, and the reply carries a Message-Authenticator', async () => {
    const u = await totpUser();
    const before = srv.auditCount();
    const r = await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code() }));
    expect(r.reply).toBe('Access-Accept');
    expect(r.out).toMatch(/Received Access-Accept[\s\S]*Message-Authenticator = 0x[0-9a-f]{32}/);
    expect(r.out).not.toMatch(/invalid|ignoring/i);
    const entries = srv.auditSince(before);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'verify',
      outcome: 'success',
      actor_name: 'radius:vpn',
      actor_id: clientId,
      ip: '127.0.0.1',
      target_user: u.username,
    });
  });

  it('rejects a wrong code with a Reply-Message; a locked user is told when to retry', async () => {
    const u = await totpUser();
    const wrong = await radclient(withMA({ 'User-Name': u.username, 'User-Password': wrongCode(u.code()) }));
    expect(wrong.reply).toBe('Access-Reject');
    expect(wrong.out).toContain('Reply-Message = "Wrong code"');
    // Nine more (past each growing delay): the tenth wrong code locks the user for 30 minutes.
    for (let i = 0; i < 9; i++) {
      srv.clock.advance(200_000);
      expect((await radclient(withMA({ 'User-Name': u.username, 'User-Password': wrongCode(u.code()) }))).reply).toBe('Access-Reject');
    }
    const locked = await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code() }));
    expect(locked.reply).toBe('Access-Reject');
    expect(locked.out).toContain('Reply-Message = "Too many wrong codes: locked; try again in 1800 s"');
    srv.clock.advance(1_800_000);
  });

  it('rejects a TOTP code used once already (a new request, not a retransmission)', async () => {
    const u = await totpUser();
    const code = u.code();
    expect((await radclient(withMA({ 'User-Name': u.username, 'User-Password': code }))).reply).toBe('Access-Accept');
    const again = await radclient(withMA({ 'User-Name': u.username, 'User-Password': code }));
    expect(again.reply).toBe('Access-Reject');
    expect(again.out).toContain('Reply-Message = "This code was already used: wait for the next one"');
  });

  it('says a turned-off method is off, not that the code is wrong (issue 18 #2), and counts nothing', async () => {
    const u = await totpUser();
    updateSettings(srv.services, { methods: { totp: false } }, SYSTEM_ACTOR);
    try {
      const r = await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code() }));
      expect(r.reply).toBe('Access-Reject');
      expect(r.out).toContain('Reply-Message = "This sign-in method is turned off on this Tessera: ask your helpdesk"');
      expect(srv.services.store.users.findByKey(u.username)?.failures).toBe(0);
    } finally {
      updateSettings(srv.services, { methods: { totp: true } }, SYSTEM_ACTOR);
    }
  });

  it('rejects an unknown user with one radius.request entry naming the client but not the typed name (it may be a password)', async () => {
    const before = srv.auditCount();
    const r = await radclient(withMA({ 'User-Name': 'nobody-here', 'User-Password': '123456' }));
    expect(r.reply).toBe('Access-Reject');
    const entries = srv.auditSince(before);
    expect(entries).toEqual([
      expect.objectContaining({ action: 'radius.request', outcome: 'failure', reason: 'unknown_user', actor_name: 'radius:vpn', target_user: null }),
    ]);
    expect(JSON.stringify(entries)).not.toContain('nobody-here');
  });

  it('refuses CHAP (no User-Password) in words, with one radius.request entry for the user', async () => {
    const u = await totpUser();
    const before = srv.auditCount();
    const r = await radclient(withMA({ 'User-Name': u.username, 'CHAP-Password': u.code() }));
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toContain('Reply-Message = "Only PAP (User-Password) is supported"');
    expect(srv.auditSince(before)).toEqual([
      expect.objectContaining({ action: 'radius.request', reason: 'not_pap', actor_name: 'radius:vpn', target_user: u.username }),
    ]);
  });

  it('drops a request without Message-Authenticator from a client that requires it; accepts it once the client does not', async () => {
    const u = await totpUser();
    const dropped = rad.counters.droppedMissingAuthenticator;
    const r = await radclient({ 'User-Name': u.username, 'User-Password': u.code() });
    expect(r.reply).toBeNull();
    expect(r.out).toContain('No reply');
    expect(rad.counters.droppedMissingAuthenticator).toBe(dropped + 1);
    setClient({ requireMessageAuthenticator: false });
    try {
      const ok = await radclient({ 'User-Name': u.username, 'User-Password': u.code() });
      expect(ok.reply).toBe('Access-Accept');
      expect(ok.out).toMatch(/Message-Authenticator = 0x[0-9a-f]{32}/);
    } finally {
      setClient({ requireMessageAuthenticator: true });
    }
  });
});

describe('challenge mode', () => {
  beforeAll(() => setClient({ mode: 'challenge' }));
  afterAll(() => setClient({ mode: 'code' }));

  it('answers Access-Challenge with a State, accepts the code with that State, and refuses the State again', async () => {
    const u = await totpUser();
    const asked = srv.auditCount();
    const first = await radclient(withMA({ 'User-Name': u.username, 'User-Password': 'the-vpn-password' }));
    expect(first.reply).toBe('Access-Challenge');
    expect(first.out).toContain('Reply-Message = "Enter your one-time code"');
    expect(srv.auditSince(asked)).toEqual([expect.objectContaining({ action: 'radius.challenge', outcome: 'success', actor_name: 'radius:vpn' })]);
    const state = /State = (0x[0-9a-f]+)/.exec(first.out)?.[1];
    expect(state).toMatch(/^0x[0-9a-f]{32}$/);
    const before = srv.auditCount();
    const second = await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code(), State: state! }));
    expect(second.reply).toBe('Access-Accept');
    expect(srv.auditSince(before)).toEqual([expect.objectContaining({ action: 'verify', outcome: 'success', actor_name: 'radius:vpn' })]);
    srv.clock.advance(30_000);
    const reused = await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code(), State: state! }));
    expect(reused.reply).toBe('Access-Reject');
    expect(reused.out).toContain('expired or was already used');
  });

  it('mails the code to an email user at the challenge (one code.send entry), and accepts that code with the State', async () => {
    const username = `radius-mail-${++unique}`;
    await srv.createUser(username, { email: `${username}@example.org` });
    const prov = (path: string, body: unknown) => srv.call('POST', `/api/v1/users/${username}${path}`, { key: srv.keys.provision, body });
    const mailed = async () => (await smtp.waitForMessage(5000)).text!.match(/\b(\d{6,8})\b/)![1]!;
    const enrolled = await prov('/factors', { type: 'email' });
    expect((await prov(`/factors/${enrolled.json.id}/confirm`, { code: await mailed() })).status).toBe(200);
    srv.clock.advance(31_000); // past the resend wait
    const before = srv.auditCount();
    const first = await radclient(withMA({ 'User-Name': username, 'User-Password': 'the-vpn-password' }));
    expect(first.reply).toBe('Access-Challenge');
    expect(first.out).toMatch(/Reply-Message = "Enter the code sent to .+@example\.org"/);
    expect(srv.auditSince(before)).toEqual([expect.objectContaining({ action: 'code.send', outcome: 'success', actor_name: 'radius:vpn' })]);
    const state = /State = (0x[0-9a-f]+)/.exec(first.out)![1]!;
    const second = await radclient(withMA({ 'User-Name': username, 'User-Password': await mailed(), State: state }));
    expect(second.reply).toBe('Access-Accept');
  });

  it('texts the code to an SMS user at the challenge, and accepts that code with the State', async () => {
    const username = `radius-sms-${++unique}`;
    await srv.createUser(username);
    const prov = (method: string, path: string, body: unknown) => srv.call(method, `/api/v1/users/${username}${path}`, { key: srv.keys.provision, body });
    const texted = () => JSON.parse(gateway.requests.at(-1)!.body).text.match(/\b(\d{6,8})\b/)[1] as string;
    expect((await prov('PATCH', '', { phone: '+44 7911 123456' })).status).toBe(200);
    const enrolled = await prov('POST', '/factors', { type: 'sms' });
    expect((await prov('POST', `/factors/${enrolled.json.id}/confirm`, { code: texted() })).status).toBe(200);
    srv.clock.advance(31_000);
    const sends = gateway.requests.length;
    const first = await radclient(withMA({ 'User-Name': username, 'User-Password': 'x' }));
    expect(first.reply).toBe('Access-Challenge');
    expect(gateway.requests.length).toBe(sends + 1);
    expect(JSON.parse(gateway.requests.at(-1)!.body).to).toBe('+447911123456');
    expect(first.out).toMatch(/Reply-Message = "Enter the code sent to \+.*56"/);
    const state = /State = (0x[0-9a-f]+)/.exec(first.out)![1]!;
    expect((await radclient(withMA({ 'User-Name': username, 'User-Password': texted(), State: state }))).reply).toBe('Access-Accept');
  });

  it('refuses a State given to another user, and one older than 60 s', async () => {
    const a = await totpUser();
    const b = await totpUser();
    const stateOf = async (username: string) =>
      /State = (0x[0-9a-f]+)/.exec((await radclient(withMA({ 'User-Name': username, 'User-Password': 'x' }))).out)![1]!;
    const stolen = await radclient(withMA({ 'User-Name': b.username, 'User-Password': b.code(), State: await stateOf(a.username) }));
    expect(stolen.reply).toBe('Access-Reject');
    const old = await stateOf(b.username);
    srv.clock.advance(61_000);
    expect((await radclient(withMA({ 'User-Name': b.username, 'User-Password': b.code(), State: old }))).reply).toBe('Access-Reject');
  });
});

describe('a Node client (what radclient cannot send)', () => {
  beforeAll(() => setClient({ mode: 'code', requireMessageAuthenticator: true }));

  /** Sends `packet` from `bindAddress` and waits up to `ms` for every reply. */
  async function exchange(packets: Buffer[], opts: { bindAddress?: string; ms?: number } = {}): Promise<Buffer[]> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, opts.bindAddress ?? '127.0.0.1', resolve));
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    for (const p of packets) socket.send(p, rad.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, opts.ms ?? 300));
    socket.close();
    return replies;
  }

  const request = (username: string, code: string, secret = SECRET) =>
    radius.encode({
      code: 'Access-Request',
      secret,
      identifier: 7,
      attributes: [
        ['User-Name', username],
        ['User-Password', code],
      ],
      add_message_authenticator: true,
    });

  it('answers with a reply whose authenticators verify and whose FIRST attribute is Message-Authenticator', async () => {
    const u = await totpUser();
    const req = request(u.username, u.code());
    const [reply] = await exchange([req]);
    expect(reply).toBeDefined();
    expect(radius.decode({ packet: reply!, secret: SECRET }).code).toBe('Access-Accept');
    expect(radius.verify_response({ request: req, response: reply!, secret: SECRET })).toBe(true);
    expect(reply![20]).toBe(80);
    // Our own HMAC-MD5 check as well: over the reply with the request authenticator in place and the MA zeroed.
    const copy = Buffer.from(reply!);
    req.copy(copy, 4, 4, 20);
    copy.fill(0, 22, 38);
    expect(createHmac('md5', SECRET).update(copy).digest().equals(reply!.subarray(22, 38))).toBe(true);
  });

  it('answers a retransmission from the cache: same reply, the code checked once', async () => {
    const u = await totpUser();
    const req = request(u.username, u.code());
    const before = srv.auditCount();
    const dup = rad.counters.duplicates;
    const replies = await exchange([req, req, req]);
    expect(replies).toHaveLength(3);
    expect(replies.every((r) => r.equals(replies[0]!))).toBe(true);
    expect(radius.decode({ packet: replies[0]!, secret: SECRET }).code).toBe('Access-Accept');
    expect(srv.auditCount()).toBe(before + 1);
    expect(rad.counters.duplicates).toBe(dup + 2);
  });

  it('drops malformed packets, a wrong secret and an unknown source silently, counts them, and keeps serving', async () => {
    const u = await totpUser();
    const c0 = { ...rad.counters };
    const good = request(u.username, u.code());
    const truncated = Buffer.from(good);
    truncated[21] = 200; // the first attribute claims more bytes than the packet holds
    const shortLength = Buffer.from(good);
    shortLength.writeUInt16BE(good.length + 10, 2);
    const before = srv.auditCount();
    const replies = await exchange([randomBytes(3), randomBytes(60), truncated, shortLength, request(u.username, '123456', 'not-the-shared-secret')]);
    expect(replies).toEqual([]);
    expect(rad.counters.droppedMalformed - c0.droppedMalformed).toBeGreaterThanOrEqual(3);
    expect(rad.counters.droppedBadAuthenticator - c0.droppedBadAuthenticator).toBeGreaterThanOrEqual(1);
    expect(
      rad.counters.droppedMalformed +
        rad.counters.droppedBadAuthenticator +
        rad.counters.droppedUnsupported -
        c0.droppedMalformed -
        c0.droppedBadAuthenticator -
        c0.droppedUnsupported,
    ).toBe(5);
    expect(await exchange([good], { bindAddress: '127.0.0.2' })).toEqual([]);
    expect(rad.counters.droppedUnknownSource).toBe(c0.droppedUnknownSource + 1);
    expect(srv.auditCount()).toBe(before);
    expect(rad.counters.errors).toBe(c0.errors);
    const [reply] = await exchange([good]);
    expect(radius.decode({ packet: reply!, secret: SECRET }).code).toBe('Access-Accept');
  });
});

describe('over IPv6', () => {
  it('serves a client whose address is an IPv6 block, on an IPv6 socket', async () => {
    const v6 = await startRadiusServer(srv.services, { host: '::1', port: 0 });
    const secret = 'ipv6-shared-secret-2026';
    addRadiusClient(srv.services, { name: 'v6-nas', address: '::1/128', secret }, SYSTEM_ACTOR);
    const socket = dgram.createSocket('udp6');
    try {
      const u = await totpUser();
      await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
      const req = radius.encode({
        code: 'Access-Request',
        secret,
        identifier: 9,
        attributes: [
          ['User-Name', u.username],
          ['User-Password', u.code()],
        ],
        add_message_authenticator: true,
      });
      const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
      const before = srv.auditCount();
      socket.send(req, v6.port, '::1');
      const got = await reply;
      expect(radius.decode({ packet: got, secret }).code).toBe('Access-Accept');
      expect(radius.verify_response({ request: req, response: got, secret })).toBe(true);
      expect(srv.auditSince(before)).toEqual([expect.objectContaining({ action: 'verify', outcome: 'success', actor_name: 'radius:v6-nas', ip: '::1' })]);
    } finally {
      socket.close();
      await v6.close();
    }
  });
});

describe('the status the console shows', () => {
  it('says where it listens, with the counters and each client last request; a second listener closing leaves it on', async () => {
    const u = await totpUser();
    expect((await radclient(withMA({ 'User-Name': u.username, 'User-Password': u.code() }))).reply).toBe('Access-Accept');
    const v6 = await startRadiusServer(srv.services, { host: '::1', port: 0 });
    await v6.close();
    const status = radiusStatus(srv.services);
    expect(status).toMatchObject({ listening: true, host: '127.0.0.1', port: rad.port });
    expect(status.counters).toEqual(rad.counters);
    expect(status.counters!.accepted).toBeGreaterThan(0);
    expect(status.lastRequestAt[clientId]).toBe(new Date(srv.clock.now()).toISOString());
  });
});

describe('started with Tessera', () => {
  it('is off by default, listens on loopback with TESSERA_RADIUS_PORT, and closes with the server', async () => {
    expect(radiusOptionsFromEnv({})).toBeNull();
    expect(() => radiusOptionsFromEnv({ TESSERA_RADIUS_PORT: 'radius' })).toThrow(/TESSERA_RADIUS_PORT must be a port number/);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-radius-'));
    try {
      const off = await startTessera({ dataDir, port: 0, env: {}, consoleDir: null });
      expect(off.radius).toBeNull();
      expect(radiusStatus(off.services)).toMatchObject({ listening: false, port: null });
      await off.close();
      const on = await startTessera({ dataDir, port: 0, env: { TESSERA_RADIUS_PORT: '0' }, consoleDir: null });
      expect(on.radius).toMatchObject({ host: '127.0.0.1', port: expect.any(Number) });
      const port = on.radius!.port;
      expect(radiusStatus(on.services)).toMatchObject({ listening: true, port });
      const services = on.services;
      await on.close();
      expect(radiusStatus(services).listening).toBe(false);
      // Closed: the port can be taken again.
      const again = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.bind(port, '127.0.0.1', resolve);
      });
      again.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
