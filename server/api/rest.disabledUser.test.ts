import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../shared/schemas/settings';
import { SYSTEM_ACTOR } from '../services/index';
import { createApiKey } from '../services/apiKeys';
import { setSmtpTransport } from '../services/delivery/transports';
import { updateSettings } from '../services/settings';
import { issueTemporaryCode } from '../services/temporaryCodes';
import { bulkUsers } from '../services/userBulk';
import { startTestServer, totpCode, type Factor, type TestServer } from '../testing/harness';
import { SoftAuthenticator } from '../testing/softAuthenticator';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtpServer';

/**
 * A disabled user (left the directory or disabled there, or disabled in
 * Tessera by an operator; users.disabled_at) is refused on every path a sign-in can take, with reason user_disabled,
 * before any code or signature is checked, not counted as a failure, and
 * nothing they hold is used up: a TOTP code, a recovery code, a remembered
 * device's token, a helpdesk's temporary code, a mailed code sent before
 * the user was disabled, and a passkey, with a username and without one
 * (discoverable: the credential names its owner). Each refusal is one
 * audit entry. Enabled again, the same things work. RADIUS answers through
 * the same verify (services/radius/handler.ts calls verify()).
 */

const V1 = '/api/v1';
const ORIGIN = 'https://login.example.com';
const RP = { rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], requireUserVerification: false, aaguids: [] };

let srv: TestServer;
let smtp: TestSmtpServer;
let appKey: string;

beforeAll(async () => {
  srv = await startTestServer();
  smtp = await startSmtpServer();
  appKey = createApiKey(srv.services, { name: 'disabled-app', scopes: ['provision', 'verify'], webauthn: RP }, SYSTEM_ACTOR).key;
  setSmtpTransport(
    srv.services,
    { host: '127.0.0.1', port: smtp.port, tls: 'none', username: null, from: 'mfa@example.org', verifyCertificate: true, timeoutMs: 3000 },
    SYSTEM_ACTOR,
  );
  updateSettings(srv.services, { ...DEFAULT_SETTINGS, rememberDevices: true, methods: { ...DEFAULT_SETTINGS.methods, email: true } }, SYSTEM_ACTOR);
});
afterAll(async () => {
  await srv?.close();
  await smtp?.close();
});

const post = (path: string, body: unknown, key = appKey) => srv.call('POST', `${V1}${path}`, { key, body });
const verify = (body: Record<string, unknown>) => post('/verify', body);
const prov = (method: string, path: string, body?: unknown) => srv.call(method, `${V1}${path}`, { key: srv.keys.provision, body });

/** Disabled as a directory sync disables (services/directory/sync.ts writes through this repository). */
function disable(username: string): void {
  const user = srv.services.store.users.findByKey(username)!;
  expect(srv.services.store.directory.disable(user.id, srv.clock.now(), 'disabled_in_directory')).toBe(true);
}
function enable(username: string): void {
  expect(srv.services.store.directory.enable(srv.services.store.users.findByKey(username)!.id)).toBe(true);
}
/** Disabled in Tessera by an operator (the Users list's bulk action), and enabled again the same way. */
function operatorDisable(username: string): void {
  expect(bulkUsers(srv.services, 'disable', { usernames: [username], reason: 'left the company' }, SYSTEM_ACTOR).changed).toEqual([username]);
}
function operatorEnable(username: string): void {
  expect(bulkUsers(srv.services, 'enable', { usernames: [username], reason: 'back again' }, SYSTEM_ACTOR).changed).toEqual([username]);
}
const failures = (username: string) => srv.services.store.users.findByKey(username)!.failures;

/** The audit entries a call wrote: exactly one, a denial for user_disabled. */
async function deniedOnce<T>(action: string, username: string, call: () => Promise<T>): Promise<T> {
  const seq = srv.auditCount();
  const out = await call();
  expect(srv.auditSince(seq).map((e) => [e.action, e.target_user, e.outcome, e.reason])).toEqual([[action, username, 'denied', 'user_disabled']]);
  return out;
}

async function mailedCode(): Promise<string> {
  const mail = await smtp.waitForMessage(5000);
  const code = mail.text?.match(/\b(\d{6,8})\b/)?.[1];
  if (!code) throw new Error(`no code in: ${mail.text}`);
  return code;
}

describe('codes: verify refuses a disabled user on every kind of code and uses nothing up', () => {
  let f: Factor;
  let recovery: string[];
  let deviceToken: string;
  const user = 'dis-codes';

  beforeAll(async () => {
    await srv.createUser(user, { email: 'dis-codes@example.org' });
    f = await srv.activeFactor(user, 'totp');
    recovery = (await prov('POST', `/users/${user}/recovery-codes`)).json.codes;
    const r = await verify({ user, code: totpCode(f, srv.clock.now()), remember: { label: 'Laptop' } });
    expect(r.json.ok, r.text).toBe(true);
    deviceToken = r.json.deviceToken;
    srv.clock.advance(30_000);
  });

  it('a TOTP code, a recovery code, a remembered device, a temporary code: user_disabled, one denial each, no failure counted', async () => {
    const temporary = issueTemporaryCode(srv.services, user, { reason: 'lost phone', uses: 1 }, SYSTEM_ACTOR).code;
    disable(user);
    const attempts: Record<string, unknown>[] = [{ code: totpCode(f, srv.clock.now()) }, { code: recovery[0] }, { deviceToken }, { code: temporary }];
    for (const a of attempts) {
      const r = await deniedOnce('verify', user, () => verify({ user, ...a }));
      expect(r.status, JSON.stringify(a)).toBe(200);
      expect(r.json, JSON.stringify(a)).toEqual({ ok: false, reason: 'user_disabled' });
    }
    expect(failures(user)).toBe(0);
    const detail = (await prov('GET', `/users/${user}`)).json;
    expect(detail.recoveryCodes).toEqual({ total: 10, unused: 10 });

    // Enabled again: each of them still works (nothing was used up by the refusals).
    enable(user);
    for (const a of attempts) expect((await verify({ user, ...a })).json, JSON.stringify(a)).toMatchObject({ ok: true });

    // Disabled in Tessera by an operator: the same refusal.
    srv.clock.advance(30_000);
    operatorDisable(user);
    const r = await deniedOnce('verify', user, () => verify({ user, code: totpCode(f, srv.clock.now()) }));
    expect(r.json).toEqual({ ok: false, reason: 'user_disabled' });
    operatorEnable(user);
    expect((await verify({ user, code: totpCode(f, srv.clock.now()) })).json).toMatchObject({ ok: true });
  });

  it('a mailed code sent before the user was disabled is refused; no new code is sent while disabled', async () => {
    const u = 'dis-mail';
    await srv.createUser(u, { email: 'dis-mail@example.org' });
    const enrolled = await prov('POST', `/users/${u}/factors`, { type: 'email' });
    expect(enrolled.status).toBe(201);
    expect((await prov('POST', `/users/${u}/factors/${enrolled.json.id}/confirm`, { code: await mailedCode() })).status).toBe(200);
    srv.clock.advance(31_000);
    const sent = await post('/challenge', { user: u });
    expect(sent.status, sent.text).toBe(200);
    const code = await mailedCode();

    disable(u);
    const r = await deniedOnce('verify', u, () => verify({ user: u, code, transactionId: sent.json.transactionId }));
    expect(r.json).toEqual({ ok: false, reason: 'user_disabled' });
    const mails = smtp.messages.length;
    const again = await post('/challenge', { user: u });
    expect(again.status).toBe(403);
    expect(again.json.error).toMatchObject({ code: 'user_disabled' });
    expect(smtp.messages.length).toBe(mails);

    enable(u);
    expect((await verify({ user: u, code, transactionId: sent.json.transactionId })).json).toMatchObject({ ok: true, factor: { type: 'email' } });
  });
});

describe('passkeys: a disabled user is refused with and without a username', () => {
  const user = 'dis-passkey';
  const auth = new SoftAuthenticator();

  beforeAll(async () => {
    await srv.createUser(user);
    const o = await post('/webauthn/registration/options', { user });
    expect(o.status, o.text).toBe(200);
    const v = await post('/webauthn/registration/verify', { user, response: auth.create(o.json, ORIGIN) });
    expect(v.status, v.text).toBe(201);
  });

  async function signIn(username: string | undefined) {
    const o = await post('/webauthn/authentication/options', username === undefined ? {} : { user: username });
    expect(o.status, o.text).toBe(200);
    return post('/webauthn/authentication/verify', { response: auth.get(o.json, ORIGIN) });
  }

  it('discoverable (no username), disabled in Tessera by an operator: the passkey names its owner → user_disabled, audited once, not counted, challenge spent', async () => {
    expect((await signIn(undefined)).json).toMatchObject({ ok: true, user });
    operatorDisable(user);
    const o = await post('/webauthn/authentication/options', {});
    expect(o.status).toBe(200); // no user named yet: nothing to refuse
    const response = auth.get(o.json, ORIGIN);
    const r = await deniedOnce('webauthn.authenticate', user, () => post('/webauthn/authentication/verify', { response }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: false, reason: 'user_disabled', message: 'This user is disabled (they left the directory or are disabled there)' });
    expect(failures(user)).toBe(0);
    // The challenge is used up: the same response enabled again is a replay.
    operatorEnable(user);
    expect((await post('/webauthn/authentication/verify', { response })).json).toMatchObject({ ok: false, reason: 'challenge_unknown_or_used' });
    expect((await signIn(undefined)).json).toMatchObject({ ok: true, user });
  });

  it('with a username, disabled by the directory: no options (403), and options taken before the user was disabled do not sign in', async () => {
    disable(user);
    const refused = await post('/webauthn/authentication/options', { user });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'user_disabled' });
    enable(user);

    const o = await post('/webauthn/authentication/options', { user });
    expect(o.status).toBe(200);
    disable(user);
    const r = await deniedOnce('webauthn.authenticate', user, () => post('/webauthn/authentication/verify', { response: auth.get(o.json, ORIGIN) }));
    expect(r.json).toMatchObject({ ok: false, reason: 'user_disabled' });
    enable(user);
    expect((await signIn(user)).json).toMatchObject({ ok: true, user });
  });
});
