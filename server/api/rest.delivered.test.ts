import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../services/index';
import { updateSettings } from '../services/settings';
import { setSmsTransport, setSmtpTransport } from '../services/delivery/transports';
import { issueTemporaryCode, sweepSpentTemporaryCodes } from '../services/temporaryCodes';
import { sweepExpiredDeliveredCodes } from '../services/deliveredCodes';
import { startTestServer, totpCode, type TestServer } from '../testing/harness';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtpServer';
import { startGatewayServer, type GatewayRequest, type TestGatewayServer } from '../testing/gatewayServer';
import { rawConnection } from '../store/testing';
import { storedBytes } from '../testing/storedBytes';
import { DEFAULT_SETTINGS } from '../../shared/schemas/settings';

/**
 * Codes Tessera sends, over HTTP with a real SMTP server and a real HTTP
 * gateway on loopback: enrollment by a mailed code, POST /challenge and
 * /verify with its transactionId, the code's life, single use, a new
 * challenge voiding the old code, resend and send limits with Retry-After,
 * the user's throttle, binding to the transaction and the API key, delivery
 * failures (502) and a missing transport (503), the helpdesk's temporary
 * code, and no code anywhere at rest.
 */

const V1 = '/api/v1';
let srv: TestServer;
let smtp: TestSmtpServer;
let gateway: TestGatewayServer;
let gatewayStatus = 200;
let n = 0;

const SMTP = (port: number) =>
  ({ host: '127.0.0.1', port, tls: 'none', username: null, from: 'mfa@example.org', verifyCertificate: true, timeoutMs: 3000 }) as const;

beforeAll(async () => {
  srv = await startTestServer();
  smtp = await startSmtpServer();
  gateway = await startGatewayServer((_req, res) => {
    res.statusCode = gatewayStatus;
    res.end(gatewayStatus === 200 ? '{"status":"queued"}' : '{"error":"upstream down"}');
  });
  setSmtpTransport(srv.services, SMTP(smtp.port), SYSTEM_ACTOR);
  setSmsTransport(
    srv.services,
    {
      profile: 'http',
      url: gateway.url,
      headers: [{ name: 'Authorization', value: 'Bearer {{secret}}' }],
      bodyFormat: 'json',
      bodyTemplate: '{"to":"{{to}}","text":"{{message}}"}',
      successStatuses: [],
      successBodyContains: '',
      timeoutMs: 3000,
      secret: 'gateway-token-123',
    },
    SYSTEM_ACTOR,
  );
});
afterAll(async () => {
  await srv?.close();
  await smtp?.close();
  await gateway?.close();
});
beforeEach(() => {
  gatewayStatus = 200;
  updateSettings(srv.services, { ...DEFAULT_SETTINGS, methods: { ...DEFAULT_SETTINGS.methods, email: true, sms: true } }, SYSTEM_ACTOR);
  setSmtpTransport(srv.services, SMTP(smtp.port), SYSTEM_ACTOR);
});

const prov = (method: string, path: string, body?: unknown) => srv.call(method, `${V1}${path}`, { key: srv.keys.provision, body });
const challenge = (user: string, extra: Record<string, unknown> = {}, key = srv.keys.verify) =>
  srv.call('POST', `${V1}/challenge`, { key, body: { user, ...extra } });
const verify = (user: string, code: string, extra: Record<string, unknown> = {}, key = srv.keys.verify) =>
  srv.call('POST', `${V1}/verify`, { key, body: { user, code, ...extra } });

/** The code in the next mail to arrive, read as the user would read it. */
async function mailedCode(to?: string): Promise<string> {
  const mail = await smtp.waitForMessage(5000);
  if (to) expect(JSON.stringify(mail.to)).toContain(to);
  const code = mail.text?.match(/\b(\d{6,8})\b/)?.[1];
  if (!code) throw new Error(`no code in: ${mail.text}`);
  return code;
}

function smsCode(req: GatewayRequest): string {
  const code = JSON.parse(req.body).text.match(/^(\d{6,8}) /)?.[1];
  if (!code) throw new Error(`no code in: ${req.body}`);
  return code;
}

/** A user with an active email factor (enrolled over REST, confirmed by the mailed code). */
async function emailUser(prefix = 'mail'): Promise<{ user: string; address: string; factorId: string }> {
  const user = `${prefix}-${++n}`;
  const address = `${user}@example.org`;
  await srv.createUser(user, { email: address });
  const enrolled = await prov('POST', `/users/${user}/factors`, { type: 'email' });
  expect(enrolled.status).toBe(201);
  const code = await mailedCode(address);
  const confirmed = await prov('POST', `/users/${user}/factors/${enrolled.json.id}/confirm`, { code });
  expect(confirmed.status).toBe(200);
  srv.clock.advance(31_000); // past the resend wait the enrollment's send started
  return { user, address, factorId: enrolled.json.id };
}

describe('email enrollment', () => {
  it('POST /users/{u}/factors {type: email} sends a code to the user’s address; the factor is pending until that code comes back', async () => {
    const user = `enroll-${++n}`;
    await srv.createUser(user, { email: `${user}@example.org` });
    const r = await prov('POST', `/users/${user}/factors`, { type: 'email', label: 'Work mail' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      id: expect.any(String),
      type: 'email',
      status: 'pending',
      destination: 'e•••@example.org',
      transactionId: expect.any(String),
      codeExpiresAt: new Date(srv.clock.now() + 5 * 60_000).toISOString(),
      expiresAt: expect.any(String),
    });
    const mail = await smtp.waitForMessage(5000);
    expect(mail.subject).toBe('Confirm your email address for Tessera');
    expect(mail.html).toContain('Tessera');
    const code = mail.text!.match(/\b(\d{6})\b/)![1]!;
    // Pending factors take no sign-in code.
    expect((await verify(user, code)).json).toEqual({ ok: false, reason: 'no_factor' });
    const wrong = await prov('POST', `/users/${user}/factors/${r.json.id}/confirm`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('invalid_code');
    const ok = await prov('POST', `/users/${user}/factors/${r.json.id}/confirm`, { code });
    expect(ok.status).toBe(200);
    expect(ok.json.factor).toMatchObject({ type: 'email', status: 'active', label: 'Work mail', destination: 'e•••@example.org' });
    // The confirmation code is used up.
    expect((await prov('POST', `/users/${user}/factors/${r.json.id}/confirm`, { code })).status).toBe(409);
  });

  it('an address that is not one, or a user without one, is refused by field and nothing is stored or sent', async () => {
    const user = `noaddr-${++n}`;
    await srv.createUser(user);
    const before = srv.snapshot();
    const sent = smtp.messages.length;
    const none = await prov('POST', `/users/${user}/factors`, { type: 'email' });
    expect(none.status).toBe(400);
    expect(none.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/no email address/) });
    const bad = await prov('POST', `/users/${user}/factors`, { type: 'email', destination: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields).toEqual([{ path: 'destination', message: 'Email is not a valid address' }]);
    expect(srv.snapshot()).toBe(before);
    expect(smtp.messages.length).toBe(sent);
  });

  it('a message the SMTP server refuses: 502 delivery_failed with its answer, the pending factor removed, both audited', async () => {
    const refusing = await startSmtpServer({ rejectMessage: () => 'Mailbox unavailable' });
    try {
      setSmtpTransport(srv.services, SMTP(refusing.port), SYSTEM_ACTOR);
      const user = `refused-${++n}`;
      await srv.createUser(user, { email: `${user}@example.org` });
      const seq = srv.auditCount();
      const r = await prov('POST', `/users/${user}/factors`, { type: 'email' });
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe('delivery_failed');
      expect(r.json.error.message).toMatch(/could not be sent by email: .*554.*Mailbox unavailable/);
      expect((await prov('GET', `/users/${user}`)).json.factors).toEqual([]);
      const entries = srv.auditSince(seq).map((e) => [e.action, e.outcome, e.reason]);
      expect(entries).toEqual([
        ['factor.enroll', 'success', null],
        ['code.send', 'failure', 'delivery_failed'],
        ['factor.delete', 'success', 'its confirmation code could not be sent'],
      ]);
      const send = srv.auditSince(seq)[1]!;
      expect(JSON.parse(send.details!)).toMatchObject({
        channel: 'email',
        destination: 'r•••@example.org',
        error: expect.stringMatching(/Mailbox unavailable/),
      });
    } finally {
      await refusing.close();
    }
  });
});

describe('POST /challenge and /verify', () => {
  it('sends a fresh code with a masked destination; the code works once, for its transaction, and is audited without the code', async () => {
    const { user, address, factorId } = await emailUser();
    const seq = srv.auditCount();
    const c = await challenge(user);
    expect(c.status).toBe(200);
    expect(c.json).toEqual({
      sent: true,
      transactionId: expect.any(String),
      factorId,
      channel: 'email',
      destination: 'm•••@example.org',
      expiresAt: new Date(srv.clock.now() + 5 * 60_000).toISOString(),
    });
    const mail = await smtp.waitForMessage(5000);
    expect(mail.subject).toBe('Your Tessera sign-in code');
    expect(mail.subject).not.toMatch(/\d{6}/);
    const code = mail.text!.match(/\b(\d{6})\b/)![1]!;
    expect(JSON.stringify(mail.to)).toContain(address);
    const ok = await verify(user, code, { transactionId: c.json.transactionId });
    expect(ok.json).toEqual({ ok: true, factor: { id: factorId, type: 'email' } });
    expect((await verify(user, code, { transactionId: c.json.transactionId })).json).toEqual({ ok: false, reason: 'invalid_code' });
    const entries = srv.auditSince(seq);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['code.send', 'success'],
      ['verify', 'success'],
      ['verify', 'failure'],
    ]);
    expect(JSON.parse(entries[0]!.details!)).toMatchObject({ channel: 'email', destination: 'm•••@example.org', response: expect.stringMatching(/^250/) });
    for (const e of entries) expect(JSON.stringify(e)).not.toContain(code);
  });

  it('a code past its life (5 minutes) is refused and counted as a wrong code', async () => {
    const { user } = await emailUser('life');
    const c = await challenge(user);
    const code = await mailedCode();
    srv.clock.advance(5 * 60_000);
    expect((await verify(user, code, { transactionId: c.json.transactionId })).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await prov('GET', `/users/${user}`)).json.throttle.failures).toBe(1);
  });

  it('the life is a setting', async () => {
    updateSettings(srv.services, { deliveredCodeMinutes: 1, deliveredCodeDigits: 8 }, SYSTEM_ACTOR);
    const { user } = await emailUser('short');
    const c = await challenge(user);
    expect(c.json.expiresAt).toBe(new Date(srv.clock.now() + 60_000).toISOString());
    const code = await mailedCode();
    expect(code).toMatch(/^\d{8}$/);
    srv.clock.advance(59_000);
    expect((await verify(user, code)).json.ok).toBe(true);
  });

  it('a new challenge voids the code before it', async () => {
    const { user } = await emailUser('void');
    await challenge(user);
    const first = await mailedCode();
    srv.clock.advance(31_000);
    const second = await challenge(user);
    const code = await mailedCode();
    expect((await verify(user, first)).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(user, code, { transactionId: second.json.transactionId })).json.ok).toBe(true);
  });

  it('a code is accepted only for its own transaction and only from the API key that asked for it', async () => {
    const { user } = await emailUser('bound');
    const c = await challenge(user);
    const code = await mailedCode();
    expect((await verify(user, code, { transactionId: '00000000-0000-0000-0000-000000000000' })).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(user, code, {}, srv.keys.all)).json).toEqual({ ok: false, reason: 'invalid_code' });
    // Still live for its own transaction and key (the failures above count, they do not use the code up).
    expect((await verify(user, code, { transactionId: c.json.transactionId })).json.ok).toBe(true);
  });

  it('resends wait 30 s and at most 5 codes go to a user in 15 minutes: 429 with Retry-After, nothing sent', async () => {
    const { user } = await emailUser('limit');
    expect((await challenge(user)).status).toBe(200);
    await mailedCode();
    const soon = await challenge(user);
    expect(soon.status).toBe(429);
    expect(soon.json.error).toMatchObject({ code: 'throttled', retryAfterSeconds: 30 });
    expect(soon.headers.get('retry-after')).toBe('30');
    // The enrollment's send counts too: 1 + 4 more reach the limit.
    for (let i = 0; i < 3; i++) {
      srv.clock.advance(31_000);
      expect((await challenge(user)).status).toBe(200);
      await mailedCode();
    }
    srv.clock.advance(31_000);
    const sent = smtp.messages.length;
    const over = await challenge(user);
    expect(over.status).toBe(429);
    expect(over.json.error.message).toMatch(/5 codes in the last 15 minutes/);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(smtp.messages.length).toBe(sent);
  });

  it('one API key may have at most sendLimitPerApiKey codes sent across all its users', async () => {
    const a = await emailUser('keyA');
    const b = await emailUser('keyB');
    updateSettings(srv.services, { sendLimitPerApiKey: 1 }, SYSTEM_ACTOR);
    expect((await challenge(a.user, {}, srv.keys.all)).status).toBe(200);
    await mailedCode();
    const r = await challenge(b.user, {}, srv.keys.all);
    expect(r.status).toBe(429);
    expect(r.json.error.message).toMatch(/This API key/);
    // A user's own limits were not what held it back.
    updateSettings(srv.services, { sendLimitPerApiKey: 1000 }, SYSTEM_ACTOR);
    expect((await challenge(b.user, {}, srv.keys.all)).status).toBe(200);
    await mailedCode();
  });

  it('wrong codes count in the user’s throttle; a locked user is sent no code', async () => {
    const { user } = await emailUser('lock');
    await challenge(user);
    const code = await mailedCode();
    const wrong = code === '000000' ? '111111' : '000000';
    // Wrong codes, each after the throttle's wait, until the lock.
    for (let i = 0; i < 30; i++) {
      const r = await verify(user, wrong);
      if (r.json.reason === 'locked') break;
      srv.clock.advance(((r.json.retryAfterSeconds as number | undefined) ?? 0) * 1000 + 1000);
    }
    const detail = await prov('GET', `/users/${user}`);
    expect(detail.json.throttle.state).toBe('locked');
    const sent = smtp.messages.length;
    const refused = await challenge(user);
    expect(refused.status).toBe(423);
    expect(refused.json.error.code).toBe('locked');
    expect(smtp.messages.length).toBe(sent);
  });

  it('a user with only an authenticator app needs no challenge: sent false, nothing sent', async () => {
    const user = `app-${++n}`;
    await srv.createUser(user, { email: `${user}@example.org` });
    const f = await srv.activeFactor(user, 'totp');
    const sent = smtp.messages.length;
    const r = await challenge(user);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ sent: false, reason: 'not_needed', message: expect.stringMatching(/no code is sent/) });
    expect(smtp.messages.length).toBe(sent);
    // App codes still verify as before.
    expect((await verify(user, totpCode(f, srv.clock.now()))).json.ok).toBe(true);
  });

  it('email turned off: challenge answers method_disabled and the factor’s code is not accepted', async () => {
    const { user } = await emailUser('off');
    await challenge(user);
    const code = await mailedCode();
    updateSettings(srv.services, { methods: { email: false } }, SYSTEM_ACTOR);
    expect((await verify(user, code)).json).toEqual({ ok: false, reason: 'method_disabled' });
    srv.clock.advance(31_000);
    const r = await challenge(user);
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('method_disabled');
  });

  it('no SMTP server set up: 503 delivery_unconfigured before any code is made', async () => {
    const { user } = await emailUser('unset');
    rawConnection(srv.services.store).prepare(`DELETE FROM delivery_transports WHERE channel = 'email'`).run();
    const r = await challenge(user);
    expect(r.status).toBe(503);
    expect(r.json.error).toEqual({ code: 'delivery_unconfigured', message: expect.stringMatching(/SMTP server/) });
    expect(
      rawConnection(srv.services.store)
        .prepare('SELECT count(*) AS n FROM delivered_codes WHERE user_id = (SELECT id FROM users WHERE username = ?)')
        .get(user),
    ).toEqual({ n: 0 });
  });

  it('bad input is refused by field, changing nothing', async () => {
    const before = srv.snapshot();
    for (const body of [{}, { user: '' }, { user: 'x', factor: 'bad id!' }, { user: 'x', extra: 1 }]) {
      const r = await srv.call('POST', `${V1}/challenge`, { key: srv.keys.verify, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    expect((await challenge('nobody-here')).status).toBe(404);
    expect((await verify('nobody-here', '123456', { transactionId: 'not valid!' })).status).toBe(400);
    expect((await srv.call('POST', `${V1}/challenge`, { key: srv.keys.provision, body: { user: 'x' } })).status).toBe(403);
    expect(srv.snapshot()).toBe(before);
  });
});

describe('SMS', () => {
  it('a phone number set over PATCH, an SMS factor confirmed by texted code, challenge and verify; the gateway got the secret and the code', async () => {
    const user = `sms-${++n}`;
    await srv.createUser(user);
    const patched = await prov('PATCH', `/users/${user}`, { phone: '+44 7911 123456' });
    expect(patched.status).toBe(200);
    expect(patched.json.phone).toBe('+•• ••• ••• ••56');
    const e = await prov('POST', `/users/${user}/factors`, { type: 'sms' });
    expect(e.status).toBe(201);
    expect(e.json.destination).toBe('+•• ••• ••• ••56');
    const req = gateway.requests.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer gateway-token-123');
    expect(JSON.parse(req.body).to).toBe('+447911123456');
    await prov('POST', `/users/${user}/factors/${e.json.id}/confirm`, { code: smsCode(req) });
    srv.clock.advance(31_000);
    const c = await challenge(user);
    expect(c.json).toMatchObject({ sent: true, channel: 'sms', destination: '+•• ••• ••• ••56' });
    const code = smsCode(gateway.requests.at(-1)!);
    expect((await verify(user, code, { transactionId: c.json.transactionId })).json).toMatchObject({ ok: true, factor: { type: 'sms' } });
  });

  it('a gateway answering 503: 502 delivery_failed, the code voided, the failure audited with the gateway’s text', async () => {
    const user = `smsfail-${++n}`;
    await srv.createUser(user);
    await prov('PATCH', `/users/${user}`, { phone: '+1 415 555 2671' });
    const e = await prov('POST', `/users/${user}/factors`, { type: 'sms' });
    await prov('POST', `/users/${user}/factors/${e.json.id}/confirm`, { code: smsCode(gateway.requests.at(-1)!) });
    srv.clock.advance(31_000);
    gatewayStatus = 503;
    const seq = srv.auditCount();
    const r = await challenge(user);
    expect(r.status).toBe(502);
    expect(r.json.error.message).toMatch(/could not be sent by SMS: Gateway answered 503/);
    const sent = srv.auditSince(seq)[0]!;
    expect([sent.action, sent.outcome, sent.reason]).toEqual(['code.send', 'failure', 'delivery_failed']);
    expect(JSON.parse(sent.details!).error).toMatch(/upstream down/);
    const code = smsCode(gateway.requests.at(-1)!);
    gatewayStatus = 200;
    expect((await verify(user, code)).json).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('PATCH refuses a phone number without a country code, changing nothing', async () => {
    const user = `badphone-${++n}`;
    await srv.createUser(user);
    const before = srv.snapshot();
    const r = await prov('PATCH', `/users/${user}`, { phone: '07911 123456' });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toEqual([{ path: 'phone', message: 'Phone number must include the country code, like +44 20 7946 0958' }]);
    expect(srv.snapshot()).toBe(before);
  });
});

describe('the helpdesk’s temporary code', () => {
  it('works for its uses and life, reports type temporary, and is revoked when the user confirms a new factor', async () => {
    const user = `temp-${++n}`;
    await srv.createUser(user);
    const issued = issueTemporaryCode(srv.services, user, { reason: 'lost phone', hours: 8, uses: 2 }, SYSTEM_ACTOR);
    expect(issued.code).toMatch(/^\d{4} \d{4} \d{4}$/);
    expect((await verify(user, issued.code)).json).toEqual({ ok: true, factor: { id: expect.any(String), type: 'temporary' }, temporaryUsesLeft: 1 });
    const detail = await prov('GET', `/users/${user}`);
    expect(detail.json.temporaryCode).toMatchObject({ usesLeft: 1, maxUses: 2, reason: 'lost phone' });
    expect(JSON.stringify(detail.json)).not.toContain(issued.code.replace(/ /g, ''));
    const f = await srv.activeFactor(user, 'totp');
    expect(f.id).toBeTruthy();
    expect((await prov('GET', `/users/${user}`)).json.temporaryCode).toBeNull();
    expect((await verify(user, issued.code)).json).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('one use by default; expires with its life; a life over the setting is refused', async () => {
    const user = `temp1-${++n}`;
    await srv.createUser(user);
    const once = issueTemporaryCode(srv.services, user, { reason: 'lost phone' }, SYSTEM_ACTOR);
    expect((await verify(user, once.code)).json.ok).toBe(true);
    expect((await verify(user, once.code)).json).toEqual({ ok: false, reason: 'invalid_code' });
    const later = issueTemporaryCode(srv.services, user, { reason: 'lost phone', hours: 1 }, SYSTEM_ACTOR);
    srv.clock.advance(3_600_000);
    expect((await verify(user, later.code)).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect(() => issueTemporaryCode(srv.services, user, { reason: 'x', hours: 25 }, SYSTEM_ACTOR)).toThrow(/at most 24 hours/);
  });
});

describe('the sweep', () => {
  it('removes sent codes past their life and temporary codes that expired (audited), and nothing live', async () => {
    sweepExpiredDeliveredCodes(srv.services); // what earlier tests left to expire
    sweepSpentTemporaryCodes(srv.services, SYSTEM_ACTOR);
    const { user } = await emailUser('sweep');
    await challenge(user);
    await mailedCode();
    const temp = `sweept-${++n}`;
    await srv.createUser(temp);
    issueTemporaryCode(srv.services, temp, { reason: 'lost phone', hours: 1 }, SYSTEM_ACTOR);
    const live = `sweepl-${++n}`;
    await srv.createUser(live);
    issueTemporaryCode(srv.services, live, { reason: 'lost phone', hours: 8 }, SYSTEM_ACTOR);
    const count = (table: string) => (rawConnection(srv.services.store).prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const codesBefore = count('delivered_codes');
    expect(sweepExpiredDeliveredCodes(srv.services)).toBe(0);
    srv.clock.advance(3_600_000);
    expect(sweepExpiredDeliveredCodes(srv.services)).toBeGreaterThanOrEqual(1);
    expect(count('delivered_codes')).toBeLessThan(codesBefore);
    const seq = srv.auditCount();
    expect(sweepSpentTemporaryCodes(srv.services, SYSTEM_ACTOR)).toBe(1);
    expect(srv.auditSince(seq).map((e) => [e.action, e.target_user, e.reason])).toEqual([['temporary.revoke', temp, 'expired']]);
    expect((await prov('GET', `/users/${live}`)).json.temporaryCode).not.toBeNull();
  });
});

describe('no code at rest', () => {
  it('neither a sent code nor a temporary code is in the database file, its WAL or the audit log', async () => {
    updateSettings(srv.services, { deliveredCodeDigits: 8 }, SYSTEM_ACTOR);
    const { user } = await emailUser('scan');
    await challenge(user);
    const code = await mailedCode();
    const temp = issueTemporaryCode(srv.services, user, { reason: 'scan' }, SYSTEM_ACTOR).code.replace(/ /g, '');
    // The database file and its WAL (on PostgreSQL: every stored value).
    const stored = storedBytes(srv.services.store);
    expect(
      stored.some(([, b]) => b.includes(Buffer.from(user))),
      'the username is found, so the search works',
    ).toBe(true);
    for (const [where, bytes] of stored) {
      expect(bytes.includes(Buffer.from(code)), `${where} holds the sent code`).toBe(false);
      expect(bytes.includes(Buffer.from(temp)), `${where} holds the temporary code`).toBe(false);
    }
    expect(srv.snapshot()).not.toContain(code);
    expect(srv.snapshot()).not.toContain(temp);
  });
});
