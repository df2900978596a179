import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../services/apiKeys';
import { SYSTEM_ACTOR } from '../services/index';
import { updateSettings } from '../services/settings';
import { sweepExpiredChallenges } from '../services/webauthn/sweep';
import type { AuditRow } from '../store/index';
import { SoftAuthenticator, strayKey } from '../testing/softAuthenticator';
import { startTestServer, totpCode, wrongCode, type TestServer } from '../testing/harness';

/**
 * WebAuthn over REST, end to end against a real server with a software
 * authenticator: registration and sign-in (with a username and as a
 * discoverable passkey), and each refusal with its reason and its one audit
 * entry — replay, expiry (with the harness's clock), another origin, another
 * RP ID, a counter that goes backwards (the key is flagged), user
 * verification, the AAGUID allow list, scopes, a key without a relying
 * party, and the method turned off.
 */

const V1 = '/api/v1/webauthn';
const ORIGIN = 'https://login.example.com';
const RP = { rpId: 'example.com', rpName: 'Example', origins: [ORIGIN, 'https://example.com'] };
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

let srv: TestServer;
/** verify + provision, with the relying party above. */
let appKey: string;
let appKeyId: string;

beforeAll(async () => {
  srv = await startTestServer();
  const created = createApiKey(
    srv.services,
    { name: 'webauthn-app', scopes: ['provision', 'verify'], webauthn: { ...RP, requireUserVerification: false, aaguids: [] } },
    SYSTEM_ACTOR,
  );
  appKey = created.key;
  appKeyId = created.id;
});

afterAll(async () => {
  await srv?.close();
});

const entries = (since: number) => srv.auditSince(since);
const lastSeq = () => srv.auditCount();
const details = (e: AuditRow) => JSON.parse(e.details ?? 'null') as Record<string, unknown>;

function post(path: string, body: unknown, key = appKey) {
  return srv.call('POST', `${V1}${path}`, { key, body });
}

async function register(user: string, auth: SoftAuthenticator, opts: { key?: string; origin?: string; label?: string } = {}) {
  const o = await post('/registration/options', { user }, opts.key);
  expect(o.status, o.text).toBe(200);
  const response = auth.create(o.json, opts.origin ?? ORIGIN);
  return post('/registration/verify', { user, response, ...(opts.label ? { label: opts.label } : {}) }, opts.key);
}

async function signIn(user: string | undefined, auth: SoftAuthenticator, overrides: Parameters<SoftAuthenticator['get']>[2] = {}, key = appKey) {
  const o = await post('/authentication/options', user === undefined ? {} : { user }, key);
  expect(o.status, o.text).toBe(200);
  const response = auth.get(o.json, ORIGIN, overrides);
  const v = await post('/authentication/verify', { response }, key);
  return { options: o.json, response, result: v };
}

describe('registration', () => {
  it('registers a security key: options, attestation, an active factor with its model; one audit entry per call', async () => {
    await srv.createUser('reg-alice', { displayName: 'Alice Reg' });
    const before = lastSeq();
    const o = await post('/registration/options', { user: 'reg-alice' });
    expect(o.status).toBe(200);
    expect(o.json).toMatchObject({
      rp: { id: 'example.com', name: 'Example' },
      user: { name: 'reg-alice', displayName: 'Alice Reg' },
      timeout: 300_000,
      attestation: 'none',
    });
    expect(Buffer.from(o.json.challenge, 'base64url').length).toBe(32);
    expect(o.json.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    const auth = new SoftAuthenticator({ aaguid: YUBIKEY_5 });
    const v = await post('/registration/verify', { user: 'reg-alice', response: auth.create(o.json, ORIGIN) });
    expect(v.status, v.text).toBe(201);
    expect(v.json).toMatchObject({
      ok: true,
      factor: {
        type: 'webauthn',
        status: 'active',
        label: 'YubiKey 5 Series',
        webauthn: { aaguid: YUBIKEY_5, model: 'YubiKey 5 Series', rpId: 'example.com', flaggedAt: null },
      },
    });

    const log = entries(before);
    expect(log.map((e) => [e.action, e.outcome])).toEqual([
      ['webauthn.challenge', 'success'],
      ['webauthn.register', 'success'],
    ]);
    expect(details(log[1]!)).toMatchObject({ factorId: v.json.factor.id, aaguid: YUBIKEY_5, rpId: 'example.com', model: 'YubiKey 5 Series' });

    const user = await srv.call('GET', '/api/v1/users/reg-alice', { key: srv.keys.provision });
    expect(user.json.hasActiveFactor).toBe(true);
    expect(user.json.factors).toHaveLength(1);
    expect(user.json.factors[0].webauthn).toMatchObject({ model: 'YubiKey 5 Series', transports: ['internal'], deviceType: 'singleDevice', backedUp: false });
  });

  it('an unknown AAGUID is "Unknown model"; a label can be given', async () => {
    await srv.createUser('reg-bob');
    const v = await register('reg-bob', new SoftAuthenticator(), { label: "Bob's laptop" });
    expect(v.json).toMatchObject({ ok: true, factor: { label: "Bob's laptop", webauthn: { model: 'Unknown model' } } });
  });

  it('the same credential cannot be registered twice; the second options list it in excludeCredentials', async () => {
    await srv.createUser('reg-dup');
    const auth = new SoftAuthenticator();
    expect((await register('reg-dup', auth)).status).toBe(201);
    const o = await post('/registration/options', { user: 'reg-dup' });
    expect(o.json.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([Buffer.from(auth.credentials[0]!.id).toString('base64url')]);
    // An authenticator that ignores excludeCredentials and attests the same credential again:
    const again = auth.create(o.json, ORIGIN, { credentialId: auth.credentials[0]!.id });
    const before = lastSeq();
    const v = await post('/registration/verify', { user: 'reg-dup', response: again });
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ ok: false, reason: 'credential_exists' });
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'webauthn.register', outcome: 'failure', reason: 'credential_exists' })]);
    // Not for another user either.
    await srv.createUser('reg-dup2');
    const o2 = await post('/registration/options', { user: 'reg-dup2' });
    const v2 = await post('/registration/verify', { user: 'reg-dup2', response: auth.create(o2.json, ORIGIN, { credentialId: auth.credentials[0]!.id }) });
    expect(v2.json).toMatchObject({ ok: false, reason: 'credential_exists' });
  });

  it('a registration answered from another origin is refused (origin_mismatch) and audited', async () => {
    await srv.createUser('reg-evil');
    const before = lastSeq();
    const v = await register('reg-evil', new SoftAuthenticator(), { origin: 'https://evil.example.net' });
    expect(v.json).toEqual({ ok: false, reason: 'origin_mismatch', message: expect.stringContaining('allow list') });
    expect(entries(before).map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ['webauthn.challenge', 'success', null],
      ['webauthn.register', 'failure', 'origin_mismatch'],
    ]);
    expect(srv.services.store.factors.listByUser(srv.services.store.users.findByKey('reg-evil')!.id)).toEqual([]);
  });

  it('a challenge issued for one user cannot register a key for another', async () => {
    await srv.createUser('reg-one');
    await srv.createUser('reg-two');
    const o = await post('/registration/options', { user: 'reg-one' });
    const v = await post('/registration/verify', { user: 'reg-two', response: new SoftAuthenticator().create(o.json, ORIGIN) });
    expect(v.json).toMatchObject({ ok: false, reason: 'challenge_unknown_or_used' });
  });

  it('an authentication response is not a registration (type_mismatch)', async () => {
    await srv.createUser('reg-type');
    const o = await post('/registration/options', { user: 'reg-type' });
    const v = await post('/registration/verify', { user: 'reg-type', response: new SoftAuthenticator().create(o.json, ORIGIN, { type: 'webauthn.get' }) });
    expect(v.json).toMatchObject({ ok: false, reason: 'type_mismatch' });
  });

  it('an attestation for another RP ID is refused (rp_id_mismatch)', async () => {
    await srv.createUser('reg-rpid');
    const o = await post('/registration/options', { user: 'reg-rpid' });
    const v = await post('/registration/verify', { user: 'reg-rpid', response: new SoftAuthenticator().create(o.json, ORIGIN, { rpId: 'evil.example.net' }) });
    expect(v.json).toMatchObject({ ok: false, reason: 'rp_id_mismatch' });
  });
});

describe('sign-in', () => {
  const auth = new SoftAuthenticator({ aaguid: YUBIKEY_5 });
  beforeAll(async () => {
    await srv.createUser('carol');
    expect((await register('carol', auth)).status).toBe(201);
  });

  it("with a username: allowCredentials lists the user's key; ok names the user and factor; one audit entry", async () => {
    const before = lastSeq();
    const { options, result } = await signIn('carol', auth);
    expect(options.allowCredentials).toEqual([
      { id: Buffer.from(auth.credentials[0]!.id).toString('base64url'), type: 'public-key', transports: ['internal'] },
    ]);
    expect(options.rpId).toBe('example.com');
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ ok: true, user: 'carol', factor: { type: 'webauthn' }, userVerified: true });
    const log = entries(before);
    expect(log.map((e) => [e.action, e.outcome, e.target_user])).toEqual([
      ['webauthn.challenge', 'success', 'carol'],
      ['webauthn.authenticate', 'success', 'carol'],
    ]);
    expect(details(log[1]!)).toMatchObject({ factorId: result.json.factor.id, aaguid: YUBIKEY_5, rpId: 'example.com' });
    const user = await srv.call('GET', '/api/v1/users/carol', { key: srv.keys.provision });
    expect(user.json.factors[0].lastUsedAt).not.toBeNull();
  });

  it('a discoverable passkey without a username: no allowCredentials; the credential says who', async () => {
    const { options, result } = await signIn(undefined, auth);
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(result.json).toMatchObject({ ok: true, user: 'carol' });
  });

  it('a replayed response is refused: its challenge is gone (challenge_unknown_or_used), audited, counted', async () => {
    const { response, result } = await signIn('carol', auth);
    expect(result.json.ok).toBe(true);
    const before = lastSeq();
    const replay = await post('/authentication/verify', { response });
    expect(replay.json).toEqual({ ok: false, reason: 'challenge_unknown_or_used', message: expect.any(String) });
    const log = entries(before);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'webauthn.authenticate', outcome: 'failure', reason: 'challenge_unknown_or_used', target_user: 'carol' });
    expect(details(log[0]!)).toMatchObject({ failures: 1 });
    // A success clears the count again.
    expect((await signIn('carol', auth)).result.json.ok).toBe(true);
    expect(srv.services.store.users.findByKey('carol')!.failures).toBe(0);
  });

  it('an expired challenge is refused (challenge_expired) and spent', async () => {
    const o = await post('/authentication/options', { user: 'carol' });
    srv.clock.advance(5 * 60_000);
    const response = auth.get(o.json, ORIGIN);
    const before = lastSeq();
    const v = await post('/authentication/verify', { response });
    expect(v.json).toMatchObject({ ok: false, reason: 'challenge_expired' });
    expect(entries(before)[0]).toMatchObject({ action: 'webauthn.authenticate', outcome: 'failure', reason: 'challenge_expired' });
    expect(srv.services.store.webauthn.findChallenge(o.json.challenge)).toBeUndefined();
    const again = await post('/authentication/verify', { response });
    expect(again.json.reason).toBe('challenge_unknown_or_used');
  });

  it('one millisecond before expiry the challenge still works', async () => {
    const o = await post('/authentication/options', { user: 'carol' });
    srv.clock.advance(5 * 60_000 - 1);
    const v = await post('/authentication/verify', { response: auth.get(o.json, ORIGIN) });
    expect(v.json.ok).toBe(true);
  });

  it('a response made on another origin is refused (origin_mismatch), and its challenge is spent', async () => {
    const o = await post('/authentication/options', { user: 'carol' });
    const evil = auth.get(o.json, 'https://evil.example.net', { rpId: 'example.com' });
    const before = lastSeq();
    const v = await post('/authentication/verify', { response: evil });
    expect(v.json).toMatchObject({ ok: false, reason: 'origin_mismatch' });
    expect(entries(before)[0]).toMatchObject({ action: 'webauthn.authenticate', outcome: 'failure', reason: 'origin_mismatch', target_user: 'carol' });
    const good = await post('/authentication/verify', { response: auth.get(o.json, ORIGIN) });
    expect(good.json.reason).toBe('challenge_unknown_or_used');
    await signIn('carol', auth); // clears the failures
  });

  it('a response for another RP ID is refused (rp_id_mismatch)', async () => {
    const { result } = await signIn('carol', auth, { rpId: 'evil.example.net' });
    expect(result.json).toMatchObject({ ok: false, reason: 'rp_id_mismatch' });
  });

  it('a forged signature is refused (bad_signature)', async () => {
    const { result } = await signIn('carol', auth, { signWith: strayKey() });
    expect(result.json).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('without user presence the response is refused', async () => {
    const { result } = await signIn('carol', auth, { up: false });
    expect(result.json).toMatchObject({ ok: false, reason: 'user_presence_required' });
    await signIn('carol', auth);
  });

  it('a registration response is not a sign-in (type_mismatch)', async () => {
    const { result } = await signIn('carol', auth, { type: 'webauthn.create' });
    expect(result.json).toMatchObject({ ok: false, reason: 'type_mismatch' });
    await signIn('carol', auth);
  });

  it("another user's key does not answer a challenge issued for carol (credential_not_allowed)", async () => {
    await srv.createUser('dave');
    const daves = new SoftAuthenticator();
    expect((await register('dave', daves)).status).toBe(201);
    const o = await post('/authentication/options', { user: 'carol' });
    const v = await post('/authentication/verify', { response: daves.get({ challenge: o.json.challenge, rpId: 'example.com' }, ORIGIN) });
    expect(v.json).toMatchObject({ ok: false, reason: 'credential_not_allowed' });
    expect(entries(lastSeq() - 1)[0]).toMatchObject({ target_user: 'carol' });
    await signIn('carol', auth);
  });

  it('a challenge issued to another application (same RP ID) does not count here', async () => {
    const other = createApiKey(
      srv.services,
      { name: 'other-app', scopes: ['verify'], webauthn: { ...RP, requireUserVerification: false, aaguids: [] } },
      SYSTEM_ACTOR,
    ).key;
    const o = await post('/authentication/options', { user: 'carol' }, other);
    const v = await post('/authentication/verify', { response: auth.get(o.json, ORIGIN) });
    expect(v.json).toMatchObject({ ok: false, reason: 'challenge_unknown_or_used' });
    // …and the other application still can use it: a foreign challenge is left alone.
    await signIn('carol', auth); // clears the failure
  });

  it('a key registered with another relying party is unknown to this one', async () => {
    const otherRp = createApiKey(
      srv.services,
      {
        name: 'other-rp',
        scopes: ['verify', 'provision'],
        webauthn: { rpId: 'other.test', rpName: 'Other', origins: ['https://other.test'], requireUserVerification: false, aaguids: [] },
      },
      SYSTEM_ACTOR,
    ).key;
    const o = await post('/authentication/options', {}, otherRp);
    const before = lastSeq();
    const v = await post(
      '/authentication/verify',
      { response: auth.get({ challenge: o.json.challenge, rpId: 'example.com' }, 'https://other.test', { rpId: 'example.com' }) },
      otherRp,
    );
    expect(v.json).toMatchObject({ ok: false, reason: 'unknown_credential' });
    // Nobody's failure here: the key's owner is not a user of this relying party's sign-in.
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'webauthn.authenticate', target_user: null, reason: 'unknown_credential' })]);
    expect(srv.services.store.users.findByKey('carol')!.failures).toBe(0);
  });

  it('a lowered counter flags the key (counter_regression), audited with both counters; the key is refused after', async () => {
    await srv.createUser('erin');
    const erin = new SoftAuthenticator();
    expect((await register('erin', erin)).status).toBe(201);
    expect((await signIn('erin', erin)).result.json.ok).toBe(true);
    expect((await signIn('erin', erin)).result.json.ok).toBe(true); // stored counter 2
    const before = lastSeq();
    const { result } = await signIn('erin', erin, { counter: 1 });
    expect(result.json).toMatchObject({ ok: false, reason: 'counter_regression', message: expect.stringContaining('cloned') });
    const log = entries(before);
    expect(log.map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ['webauthn.challenge', 'success', null],
      ['webauthn.authenticate', 'failure', 'counter_regression'],
    ]);
    expect(details(log[1]!)).toMatchObject({ storedCounter: 2, receivedCounter: 1, flagged: true });
    const u = await srv.call('GET', '/api/v1/users/erin', { key: srv.keys.provision });
    expect(u.json.factors[0].webauthn).toMatchObject({ flagReason: 'counter_regression', flaggedAt: expect.any(String) });

    // Refused from now on, even with a good counter; and no longer offered.
    const o = await post('/authentication/options', { user: 'erin' });
    expect(o.status).toBe(409);
    const passkey = await signIn(undefined, erin);
    expect(passkey.result.json).toMatchObject({ ok: false, reason: 'credential_flagged' });

    // An operator removes it: the credential goes with the factor.
    const factorId = u.json.factors[0].id;
    expect((await srv.call('DELETE', `/api/v1/users/erin/factors/${factorId}`, { key: srv.keys.provision, body: { reason: 'possible clone' } })).status).toBe(
      204,
    );
    expect(srv.services.store.webauthn.find(factorId)).toBeUndefined();
  });

  it('an equal counter is a regression too; an authenticator without a counter (always 0) is fine', async () => {
    await srv.createUser('frank');
    const noCounter = new SoftAuthenticator({ counterStep: 0 });
    expect((await register('frank', noCounter)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await signIn('frank', noCounter)).result.json.ok).toBe(true);
    await srv.createUser('gina');
    const g = new SoftAuthenticator();
    await register('gina', g);
    await signIn('gina', g); // 1
    expect((await signIn('gina', g, { counter: 1 })).result.json.reason).toBe('counter_regression');
  });

  it('a throttled or locked user is refused before the signature is checked', async () => {
    await srv.createUser('hank');
    const h = new SoftAuthenticator();
    await register('hank', h);
    const totp = await srv.activeFactor('hank', 'totp');
    for (let i = 0; i < 10; i++) {
      await srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user: 'hank', code: wrongCode(totpCode(totp, srv.clock.now())) } });
      srv.clock.advance(130_000);
    }
    const opt = await post('/authentication/options', { user: 'hank' });
    expect(opt.status).toBe(423);
    expect(opt.headers.get('retry-after')).toMatch(/^\d+$/);
    // A passkey sign-in (no username given) is gated on the credential's owner.
    const o = await post('/authentication/options', {});
    const before = lastSeq();
    const v = await post('/authentication/verify', { response: h.get(o.json, ORIGIN) });
    expect(v.status).toBe(423);
    expect(v.json).toMatchObject({ ok: false, reason: 'locked', retryAfterSeconds: expect.any(Number) });
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'webauthn.authenticate', outcome: 'denied', reason: 'locked', target_user: 'hank' })]);
  });

  it('failures lock a user like wrong codes; the locking one is recorded as locked_out', async () => {
    await srv.createUser('ivy');
    const i = new SoftAuthenticator();
    await register('ivy', i);
    let last: AuditRow | undefined;
    for (let n = 0; n < 10; n++) {
      const { result } = await signIn('ivy', i, { signWith: strayKey() });
      if (result.status !== 200) break;
      last = entries(lastSeq() - 1)[0];
      srv.clock.advance(120_000);
    }
    expect(last).toMatchObject({ action: 'webauthn.authenticate', reason: 'locked_out' });
    expect(details(last!)).toMatchObject({ webauthnReason: 'bad_signature', failures: 10 });
  });
});

describe('relying party rules', () => {
  it('user verification required: a key that does not verify the user is refused, at registration and sign-in', async () => {
    const uvKey = createApiKey(
      srv.services,
      { name: 'uv-app', scopes: ['verify', 'provision'], webauthn: { ...RP, requireUserVerification: true, aaguids: [] } },
      SYSTEM_ACTOR,
    ).key;
    await srv.createUser('uv-user');
    const o = await post('/registration/options', { user: 'uv-user' }, uvKey);
    expect(o.json.authenticatorSelection.userVerification).toBe('required');
    const noUv = new SoftAuthenticator({ uv: false });
    const r = await post('/registration/verify', { user: 'uv-user', response: noUv.create(o.json, ORIGIN) }, uvKey);
    expect(r.json).toMatchObject({ ok: false, reason: 'user_verification_required' });
    const withUv = new SoftAuthenticator();
    expect((await register('uv-user', withUv, { key: uvKey })).status).toBe(201);
    const s = await signIn('uv-user', withUv, { uv: false }, uvKey);
    expect(s.result.json).toMatchObject({ ok: false, reason: 'user_verification_required' });
    expect((await signIn('uv-user', withUv, {}, uvKey)).result.json.ok).toBe(true);
  });

  it('an AAGUID allow list refuses other authenticator models', async () => {
    const ykOnly = createApiKey(
      srv.services,
      { name: 'yk-app', scopes: ['provision'], webauthn: { ...RP, requireUserVerification: false, aaguids: [YUBIKEY_5] } },
      SYSTEM_ACTOR,
    ).key;
    await srv.createUser('aaguid-user');
    const before = lastSeq();
    const r = await register('aaguid-user', new SoftAuthenticator({ aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4' }), { key: ykOnly });
    expect(r.json).toMatchObject({ ok: false, reason: 'aaguid_not_allowed' });
    expect(details(entries(before)[1]!)).toMatchObject({ aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', model: 'Google Password Manager' });
    expect((await register('aaguid-user', new SoftAuthenticator({ aaguid: YUBIKEY_5 }), { key: ykOnly })).status).toBe(201);
  });
});

describe('refused calls change nothing and write no audit entry', () => {
  const allFour = [
    ['/registration/options', { user: 'nobody-here' }],
    [
      '/registration/verify',
      {
        user: 'nobody-here',
        response: new SoftAuthenticator().create(
          { challenge: 'AAAA', rp: { id: 'example.com', name: 'x' }, user: { id: 'AA', name: 'n', displayName: 'n' } },
          ORIGIN,
        ),
      },
    ],
    ['/authentication/options', {}],
    [
      '/authentication/verify',
      {
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      },
    ],
  ] as const;

  async function refused(path: string, body: unknown, key: string | undefined, status: number, code: string) {
    const snap = srv.snapshot();
    const before = lastSeq();
    const r = await srv.call('POST', `${V1}${path}`, { ...(key ? { key } : {}), body });
    expect(r.status, `${path}: ${r.text}`).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(lastSeq()).toBe(before);
    expect(srv.snapshot()).toBe(snap);
    return r;
  }

  it('scopes: registration needs provision, sign-in needs verify; no key is 401', async () => {
    const verifyOnly = createApiKey(
      srv.services,
      { name: 'v-only', scopes: ['verify'], webauthn: { ...RP, requireUserVerification: false, aaguids: [] } },
      SYSTEM_ACTOR,
    ).key;
    const provisionOnly = createApiKey(
      srv.services,
      { name: 'p-only', scopes: ['provision'], webauthn: { ...RP, requireUserVerification: false, aaguids: [] } },
      SYSTEM_ACTOR,
    ).key;
    await refused('/registration/options', { user: 'carol' }, verifyOnly, 403, 'forbidden');
    await refused('/registration/verify', allFour[1][1], verifyOnly, 403, 'forbidden');
    await refused('/authentication/options', {}, provisionOnly, 403, 'forbidden');
    await refused('/authentication/verify', allFour[3][1], provisionOnly, 403, 'forbidden');
    for (const [path, body] of allFour) await refused(path, body, undefined, 401, 'unauthorized');
  });

  it('a key without a relying party gets 409 with a clear message', async () => {
    for (const [path, body] of allFour) {
      const r = await refused(path, path.startsWith('/registration') ? { ...body, user: 'carol' } : body, srv.keys.all, 409, 'conflict');
      expect(r.json.error.message).toMatch(/no WebAuthn relying party/);
    }
  });

  it('bad input is 400 with the fields named', async () => {
    const r = await refused('/authentication/verify', { response: { id: 'x!', type: 'nope' } }, appKey, 400, 'bad_request');
    expect(r.json.error.fields.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(['response.id', 'response.type', 'response.clientExtensionResults']),
    );
    await refused('/authentication/verify', { response: { ...allFour[3][1].response, clientExtensionResults: [] } }, appKey, 400, 'bad_request');
    await refused(
      '/authentication/verify',
      { response: { ...allFour[3][1].response, clientExtensionResults: { x: 'y'.repeat(3000) } } },
      appKey,
      400,
      'bad_request',
    );
    await refused('/registration/options', {}, appKey, 400, 'bad_request');
    await refused('/registration/verify', { user: 'carol', response: {}, extra: 1 }, appKey, 400, 'bad_request');
    const tooLong = Buffer.alloc(1024).toString('base64url');
    await refused('/authentication/verify', { response: { ...allFour[3][1].response, id: tooLong, rawId: tooLong } }, appKey, 400, 'bad_request');
  });

  it('an unknown user is 404', async () => {
    await refused('/registration/options', { user: 'nobody-here' }, appKey, 404, 'not_found');
    await refused('/authentication/options', { user: 'nobody-here' }, appKey, 404, 'not_found');
  });

  it('with the method turned off, all four are 403 method_disabled', async () => {
    updateSettings(srv.services, { methods: { webauthn: false } }, SYSTEM_ACTOR);
    try {
      for (const [path, body] of allFour)
        await refused(path, path.startsWith('/registration') ? { ...body, user: 'carol' } : body, appKey, 403, 'method_disabled');
    } finally {
      updateSettings(srv.services, { methods: { webauthn: true } }, SYSTEM_ACTOR);
    }
  });
});

describe('housekeeping', () => {
  it('expired challenges are swept, with one audit entry per sweep', async () => {
    await post('/authentication/options', {});
    await post('/authentication/options', {});
    srv.clock.advance(5 * 60_000 + 1);
    const before = lastSeq();
    const removed = sweepExpiredChallenges(srv.services, SYSTEM_ACTOR);
    expect(removed).toBeGreaterThanOrEqual(2);
    expect(entries(before)).toEqual([expect.objectContaining({ action: 'webauthn.challenge.expire', outcome: 'success' })]);
    expect(sweepExpiredChallenges(srv.services, SYSTEM_ACTOR)).toBe(0);
    expect(lastSeq()).toBe(before + 1);
  });

  it('the OpenAPI document describes the four endpoints', async () => {
    const doc = await srv.call('GET', '/api/v1/openapi.json', { key: srv.keys.audit });
    for (const p of ['registration/options', 'registration/verify', 'authentication/options', 'authentication/verify']) {
      const op = doc.json.paths[`/webauthn/${p}`]?.post;
      expect(op, p).toBeDefined();
      expect(op.tags).toEqual(['WebAuthn']);
      expect(op.requestBody.content['application/json'].schema).toBeDefined();
    }
    expect(doc.json.paths['/webauthn/authentication/verify'].post.description).toBe('Scopes: verify');
    expect(doc.json.paths['/webauthn/registration/verify'].post.description).toBe('Scopes: provision');
    expect(JSON.stringify(doc.json.paths['/webauthn/authentication/verify'].post.responses['200'])).toContain('counter_regression');
  });

  it('the key id in the relying party is the calling key', () => {
    expect(srv.services.store.webauthn.rp(appKeyId)?.rp_id).toBe('example.com');
  });
});
