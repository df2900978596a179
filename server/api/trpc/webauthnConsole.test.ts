import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { SYSTEM_ACTOR, type Services } from '../../services/index';
import { createApiKey } from '../../services/apiKeys';
import { createOperator } from '../../services/operatorAccounts';
import { updateSettings } from '../../services/settings';
import type { OperatorRow } from '../../store/index';
import { auditSince, openTestServices, totpCode, type TestServices } from '../../testing/harness';
import { SoftAuthenticator } from '../../testing/softAuthenticator';
import { createContextInner } from './context';
import { createCallerFactory } from './init';
import { appRouter } from './router';
import { operatorAuth } from '../../services/index';

/**
 * The console's WebAuthn procedures through tRPC (createCaller, no HTTP):
 * an operator registers a key on their profile (re-authentication first),
 * signs in with it instead of the TOTP code, and is refused — with the
 * reason audited — for a lowered counter, another origin, an IP address as
 * the console's host, or the method turned off. Also: API clients' relying
 * parties, renaming factors, and the dashboard count.
 *
 * Each test starts from a fresh Tessera with one enrolled admin and sets up
 * what it needs (a registered key, a flagged key): the tests pass in any order.
 */

const ORIGIN = 'http://localhost:8787';
const PASSWORD = 'correct horse battery staple 42';
const createCaller = createCallerFactory(appRouter);

let t: TestServices;
let s: Services;
const START_MS = Date.UTC(2026, 0, 1, 0, 0, 10);
let now = START_MS;
let op: OperatorRow;
let totpSecret: string;

function code(): string {
  // A step after the last one used.
  now += 30_000;
  return totpCode({ secret: totpSecret }, now);
}

function callerAs(operator: OperatorRow | null, origin = ORIGIN, onSession?: (id: string | null) => void) {
  const session = operator ? { id: 'test-session', operator: s.store.operators.findById(operator.id)! } : null;
  return createCaller(createContextInner(s, { session, origin, sameOriginRequest: true, ...(onSession ? { setSession: onSession } : {}) }));
}

const entries = (since: number) => auditSince(s, since);
const seq = () => s.store.audit.stats().count;

async function trpcCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return err instanceof TRPCError ? `${err.code}: ${err.message}` : `THROWN: ${String(err)}`;
  }
}

beforeEach(async () => {
  now = START_MS;
  t = openTestServices({ prefix: 'tessera-webauthn-console-', clock: () => now });
  s = t.services;
  await createOperator(s, { username: 'opal', role: 'admin', password: PASSWORD }, SYSTEM_ACTOR);
  const step = await operatorAuth.login(s, { username: 'opal', password: PASSWORD }, { ip: null, userAgent: null });
  if (step.next !== 'enroll') throw new Error('expected enrollment');
  totpSecret = step.secret;
  operatorAuth.completeEnrollment(s, { ticket: step.ticket, code: code() }, { ip: null, userAgent: null });
  // Opal's own password from here on (a created operator must otherwise replace the starting one first).
  s.store.operators.update(s.store.operators.findByKey('opal')!.id, { password_must_change: 0, password_expires_at: null });
  op = s.store.operators.findByKey('opal')!;
});

afterEach(() => {
  t.close();
});

/** Registers `key` as opal's (password re-authentication), as the profile page does. */
async function registerKey(key: SoftAuthenticator): Promise<void> {
  const caller = callerAs(op);
  const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
  await caller.profile.webauthn.verifyRegistration({ response: key.create(options, ORIGIN), label: 'Desk key' });
}

/** A password step that leads to the code step (and offers the key, when there is one). */
async function loginStep() {
  const step = await callerAs(null).auth.login({ username: 'opal', password: PASSWORD });
  if (step.next !== 'totp') throw new Error('expected the code step');
  return step;
}

/** Signs opal in with `key` (the counter the server stores moves on). */
async function signInWith(key: SoftAuthenticator): Promise<void> {
  const step = await loginStep();
  const options = await callerAs(null).auth.webauthnOptions({ ticket: step.ticket });
  await callerAs(null).auth.completeWebauthnLogin({ ticket: step.ticket, response: key.get(options, ORIGIN) });
}

describe('an operator registers a key on their profile', () => {
  let key: SoftAuthenticator;
  beforeEach(() => {
    key = new SoftAuthenticator({ aaguid: 'adce0002-35bc-c60a-648b-0b25f1f05503' });
  });

  it('re-authentication comes first: a wrong password is refused, audited and counted', async () => {
    const before = seq();
    expect(await trpcCode(callerAs(op).profile.webauthn.registrationOptions({ reauth: { password: 'not my password at all' } }))).toMatch(
      /^BAD_REQUEST: That is not your current password/,
    );
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'operator.reauth', outcome: 'failure', reason: 'wrong_password' })]);
    expect(s.store.operators.findById(op.id)!.failures).toBe(1);
    expect(s.store.webauthn.forOperator(op.id)).toEqual([]);
  });

  it('with the password: options for localhost; the attestation becomes their key', async () => {
    const caller = callerAs(op);
    const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
    expect(options).toMatchObject({ rp: { id: 'localhost', name: 'Tessera console' }, user: { name: 'opal' } });
    const before = seq();
    const view = await caller.profile.webauthn.verifyRegistration({ response: key.create(options, ORIGIN), label: 'Desk key' });
    expect(view).toMatchObject({ label: 'Desk key', model: 'Chrome on Mac', rpId: 'localhost', flagged: false, lastUsedAt: null });
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'operator.webauthn.register', outcome: 'success' })]);
    expect(await caller.profile.webauthn.list()).toEqual([view]);
  });

  it('a fresh TOTP code also re-authenticates, once', async () => {
    const c = code();
    const caller = callerAs(op);
    await caller.profile.webauthn.registrationOptions({ reauth: { code: c } });
    expect(await trpcCode(caller.profile.webauthn.registrationOptions({ reauth: { code: c } }))).toMatch(/^BAD_REQUEST/);
  });

  it('a registration answered on another origin is refused with the reason, and audited', async () => {
    const caller = callerAs(op);
    const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
    const before = seq();
    expect(await trpcCode(caller.profile.webauthn.verifyRegistration({ response: new SoftAuthenticator().create(options, 'http://localhost:9999') }))).toMatch(
      /^BAD_REQUEST: .*allow list/,
    );
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'operator.webauthn.register', outcome: 'failure', reason: 'origin_mismatch' })]);
  });

  it('the console opened at an IP address cannot use keys: the message says to use localhost', async () => {
    expect(await trpcCode(callerAs(op, 'http://127.0.0.1:8787').profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } }))).toMatch(
      /CONFLICT: .*http:\/\/localhost:8787/,
    );
  });

  describe('and signs in with it instead of the code', () => {
    beforeEach(() => registerKey(key));

    it('the code step says a key can be used; the key opens a session; one audit entry', async () => {
      const step = await loginStep();
      expect(step.webauthn).toBe(true);
      const options = await callerAs(null).auth.webauthnOptions({ ticket: step.ticket });
      expect(options.allowCredentials).toHaveLength(1);
      let session: string | null = null;
      const before = seq();
      const r = await callerAs(null, ORIGIN, (id) => (session = id)).auth.completeWebauthnLogin({ ticket: step.ticket, response: key.get(options, ORIGIN) });
      expect(r.operator.username).toBe('opal');
      expect(session).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const log = entries(before);
      expect(log).toEqual([expect.objectContaining({ action: 'operator.login', outcome: 'success' })]);
      expect(JSON.parse(log[0]!.details!)).toMatchObject({ method: 'webauthn', model: 'Chrome on Mac', rpId: 'localhost' });
      expect(s.store.operators.findById(op.id)!.failures).toBe(0);
      // The ticket is spent.
      expect(await trpcCode(callerAs(null).auth.completeLogin({ ticket: step.ticket, code: code() }))).toMatch(/^UNAUTHORIZED/);
    });

    it('a replayed assertion is refused (its challenge is used)', async () => {
      const step = await loginStep();
      const options = await callerAs(null).auth.webauthnOptions({ ticket: step.ticket });
      const response = key.get(options, ORIGIN);
      await callerAs(null).auth.completeWebauthnLogin({ ticket: step.ticket, response });
      const step2 = await loginStep();
      const before = seq();
      expect(await trpcCode(callerAs(null).auth.completeWebauthnLogin({ ticket: step2.ticket, response }))).toMatch(
        /^BAD_REQUEST: The challenge in this response was never issued/,
      );
      expect(entries(before)).toEqual([expect.objectContaining({ action: 'operator.login', outcome: 'failure', reason: 'challenge_unknown_or_used' })]);
    });

    it('an assertion made on another origin is refused (origin_mismatch)', async () => {
      const step = await loginStep();
      const options = await callerAs(null).auth.webauthnOptions({ ticket: step.ticket });
      expect(await trpcCode(callerAs(null).auth.completeWebauthnLogin({ ticket: step.ticket, response: key.get(options, 'http://localhost:9999') }))).toMatch(
        /allow list/,
      );
      expect(entries(seq() - 1)[0]).toMatchObject({ action: 'operator.login', reason: 'origin_mismatch' });
    });

    it('a lowered counter flags the key: refused now and from then on; the code step no longer offers it', async () => {
      await signInWith(key); // the stored counter is 1 from here
      const step = await loginStep();
      const options = await callerAs(null).auth.webauthnOptions({ ticket: step.ticket });
      const before = seq();
      expect(await trpcCode(callerAs(null).auth.completeWebauthnLogin({ ticket: step.ticket, response: key.get(options, ORIGIN, { counter: 1 }) }))).toMatch(
        /cloned/,
      );
      const log = entries(before);
      expect(log).toEqual([expect.objectContaining({ action: 'operator.login', outcome: 'failure', reason: 'counter_regression' })]);
      expect(JSON.parse(log[0]!.details!)).toMatchObject({ method: 'webauthn', flagged: true, receivedCounter: 1 });
      expect((await callerAs(op).profile.webauthn.list())[0]!.flagged).toBe(true);
      expect(await trpcCode(callerAs(null).auth.webauthnOptions({ ticket: step.ticket }))).toMatch(/^CONFLICT: You have no usable security key/);
      expect((await loginStep()).webauthn).toBeUndefined();
    });

    it('the operator removes the flagged key (re-authenticating again)', async () => {
      s.store.webauthn.flag(s.store.webauthn.forOperator(op.id)[0]!.id, 'counter_regression', now);
      const [k] = await callerAs(op).profile.webauthn.list();
      expect(k!.flagged).toBe(true);
      expect(await trpcCode(callerAs(op).profile.webauthn.remove({ id: k!.id, reauth: { password: 'wrong wrong wrong' } }))).toMatch(/^BAD_REQUEST/);
      now += 10 * 60_000; // past the throttle delay the failures so far have earned
      const before = seq();
      await callerAs(op).profile.webauthn.remove({ id: k!.id, reauth: { password: PASSWORD } });
      expect(entries(before)).toEqual([expect.objectContaining({ action: 'operator.webauthn.remove', outcome: 'success' })]);
      expect(await callerAs(op).profile.webauthn.list()).toEqual([]);
    });
  });

  it('with the method off, operators can neither register nor use keys', async () => {
    const caller = callerAs(op);
    const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
    await caller.profile.webauthn.verifyRegistration({ response: key.create(options, ORIGIN) });
    const step = await callerAs(null).auth.login({ username: 'opal', password: PASSWORD });
    updateSettings(s, { methods: { webauthn: false } }, SYSTEM_ACTOR);
    try {
      expect(step.next === 'totp' && step.webauthn).toBe(true);
      expect(await trpcCode(callerAs(null).auth.webauthnOptions({ ticket: step.ticket }))).toMatch(/^FORBIDDEN: Security key or passkey is turned off/);
      expect(await trpcCode(caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } }))).toMatch(/^FORBIDDEN/);
      const again = await callerAs(null).auth.login({ username: 'opal', password: PASSWORD });
      expect(again.next === 'totp' && again.webauthn).toBeFalsy();
    } finally {
      updateSettings(s, { methods: { webauthn: true } }, SYSTEM_ACTOR);
    }
  });
});

describe('API clients: the WebAuthn relying party', () => {
  let keyId: string;
  beforeEach(() => {
    keyId = createApiKey(s, { name: 'rp-app', scopes: ['verify'] }, SYSTEM_ACTOR).id;
  });

  it('is set, read and removed; each change audited', async () => {
    const caller = callerAs(op);
    expect(await caller.apiKeys.getWebauthn({ apiKeyId: keyId })).toBeNull();
    const before = seq();
    const set = await caller.apiKeys.setWebauthn({
      apiKeyId: keyId,
      rp: {
        rpId: 'Example.COM',
        rpName: 'Example',
        origins: ['https://login.example.com/', 'https://example.com', 'https://example.com'],
        requireUserVerification: true,
        aaguids: ['CB69481E-8FF7-4039-93EC-0A2729A154A8'],
      },
    });
    expect(set).toMatchObject({
      rpId: 'example.com',
      origins: ['https://login.example.com', 'https://example.com'],
      requireUserVerification: true,
      aaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
    });
    expect(await caller.apiKeys.getWebauthn({ apiKeyId: keyId })).toEqual(set);
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'apikey.webauthn', outcome: 'success' })]);
    expect(await caller.apiKeys.setWebauthn({ apiKeyId: keyId, rp: null })).toBeNull();
    expect(await caller.apiKeys.getWebauthn({ apiKeyId: keyId })).toBeNull();
  });

  it.each([
    ['an IP address as RP ID', { rpId: '192.168.1.10', origins: ['https://192.168.1.10'] }, /IP address/],
    ['a URL as RP ID', { rpId: 'https://example.com', origins: ['https://example.com'] }, /host name/],
    ['http on a real domain', { rpId: 'example.com', origins: ['http://example.com'] }, /https/],
    ['an origin outside the RP ID', { rpId: 'example.com', origins: ['https://example.org'] }, /not on the RP ID/],
    ['an origin with a path', { rpId: 'example.com', origins: ['https://example.com/login'] }, /origin only/],
    ['no origin', { rpId: 'example.com', origins: [] }, /at least one/],
  ])('refuses %s, naming the field, and changes nothing', async (_, rp, message) => {
    const before = seq();
    const err = await trpcCode(callerAs(op).apiKeys.setWebauthn({ apiKeyId: keyId, rp: { rpName: 'X', ...rp } }));
    expect(err).toMatch(/^BAD_REQUEST/);
    expect(err).toMatch(message);
    expect(seq()).toBe(before);
  });

  it('http://localhost origins are allowed for a localhost RP ID (browsers treat localhost as secure)', async () => {
    const r = await callerAs(op).apiKeys.setWebauthn({ apiKeyId: keyId, rp: { rpId: 'localhost', rpName: 'Demo', origins: ['http://localhost:3000'] } });
    expect(r).toMatchObject({ rpId: 'localhost', origins: ['http://localhost:3000'], requireUserVerification: false, aaguids: [] });
  });
});

describe('factors in the console', () => {
  it('users.get shows a WebAuthn factor with its model; users.renameFactor renames it (audited); the dashboard counts users with a key', async () => {
    const created = createApiKey(
      s,
      {
        name: 'app',
        scopes: ['provision', 'verify'],
        webauthn: { rpId: 'localhost', rpName: 'App', origins: ['http://localhost:3000'], requireUserVerification: false, aaguids: [] },
      },
      SYSTEM_ACTOR,
    );
    const caller = callerAs(op);
    await caller.users.create({ username: 'pat' });
    const { webauthn } = await import('../../services/index');
    const options = await webauthn.appRegistrationOptions(s, { apiKeyId: created.id }, 'pat', SYSTEM_ACTOR);
    const reg = await webauthn.appVerifyRegistration(
      s,
      { apiKeyId: created.id },
      { user: 'pat', response: new SoftAuthenticator({ aaguid: 'bada5566-a7aa-401f-bd96-45619a55120d' }).create(options, 'http://localhost:3000') },
      SYSTEM_ACTOR,
    );
    if (!reg.ok) throw new Error(reg.reason);
    const user = await caller.users.get({ username: 'pat' });
    expect(user.factors[0]).toMatchObject({ type: 'webauthn', label: '1Password', webauthn: { model: '1Password' } });
    const before = seq();
    const renamed = await caller.users.renameFactor({ username: 'pat', factorId: reg.factor.id, label: "Pat's phone" });
    expect(renamed).toMatchObject({ label: "Pat's phone", webauthn: { model: '1Password' } });
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'factor.rename', target_user: 'pat' })]);
    expect(await trpcCode(caller.users.renameFactor({ username: 'pat', factorId: reg.factor.id, label: '   ' }))).toMatch(/^BAD_REQUEST/);
    const stats = await caller.dashboard.stats();
    expect(stats.usersWithSecurityKey).toBe(1);
    expect(stats.days[stats.days.length - 1]!.enrollments).toBeGreaterThanOrEqual(1);
  });
});

describe('resetting an operator', () => {
  it("an admin's reset of the operator's second factor removes their keys too", async () => {
    await registerKey(new SoftAuthenticator());
    expect(s.store.webauthn.forOperator(op.id).length).toBeGreaterThan(0);
    await createOperator(s, { username: 'other-admin', role: 'admin', password: PASSWORD }, SYSTEM_ACTOR);
    // Another active admin, so opal is not the last one.
    s.store.operators.update(s.store.operators.findByKey('other-admin')!.id, { status: 'active', password_must_change: 0 });
    const before = seq();
    await callerAs(s.store.operators.findByKey('other-admin')!).operators.update({ id: op.id, resetSecondFactor: true });
    expect(s.store.webauthn.forOperator(op.id)).toEqual([]);
    expect(JSON.parse(entries(before)[0]!.details!).changed).toMatchObject({ secondFactor: { to: 'reset' }, securityKeys: { to: 0 } });
  });
});
