import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../shared/schemas/settings';
import { SYSTEM_ACTOR } from '../services/index';
import { createApiKey } from '../services/apiKeys';
import { updateSettings } from '../services/settings';
import { sweepExpiredDevices } from '../services/rememberedDevices';
import { issueRecoveryCodes } from '../services/recoveryCodes';
import { startTestServer, totpCode, type Factor, type TestServer } from '../testing/harness';
import { storedBytes } from '../testing/storedBytes';

/**
 * What the seed libraries offer beyond codes, over REST: remembered devices
 * (token bound to user and key, expiry on the harness clock, revocation, a
 * reset revoking them, tokens absent from the database bytes), re-checks,
 * method display names, the last method used, and which methods
 * applications may remove.
 */

const V1 = '/api/v1';
let srv: TestServer;
let otherKey: string;
let n = 0;

beforeAll(async () => {
  srv = await startTestServer();
  otherKey = createApiKey(srv.services, { name: 'other app', scopes: ['verify'] }, SYSTEM_ACTOR).key;
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(() => {
  updateSettings(srv.services, { ...DEFAULT_SETTINGS, rememberDevices: true }, SYSTEM_ACTOR);
});

const verify = (body: Record<string, unknown>, key = srv.keys.verify) => srv.call('POST', `${V1}/verify`, { key, body });
const prov = (method: string, path: string, body?: unknown) => srv.call(method, `${V1}${path}`, { key: srv.keys.provision, body });

async function totpUser(prefix: string): Promise<{ user: string; f: Factor }> {
  const user = `${prefix}-${++n}`;
  await srv.createUser(user);
  return { user, f: await srv.activeFactor(user, 'totp') };
}

/** The next step's code (activeFactor leaves the clock one step on from the confirmed one). */
const codeNow = (f: Factor) => totpCode(f, srv.clock.now());

async function rememberedUser(prefix: string, days?: number) {
  const { user, f } = await totpUser(prefix);
  const r = await verify({ user, code: codeNow(f), remember: { label: 'Work laptop', ...(days ? { days } : {}) }, userAgent: 'Firefox 140 on Linux' });
  expect(r.status).toBe(200);
  expect(r.json.deviceExpiresAt).toBe(new Date(srv.clock.now() + (days ?? 30) * 86_400_000).toISOString());
  return { user, f, r: r.json };
}

describe('remembered devices', () => {
  it('a right code with remember answers a deviceToken; the token then verifies without a code, audited, and moves last used', async () => {
    const { user, r } = await rememberedUser('rem');
    expect(r).toEqual({
      ok: true,
      factor: { id: expect.any(String), type: 'totp' },
      deviceToken: expect.stringMatching(/^tdt_[A-Za-z0-9_-]{43}$/),
      deviceId: expect.any(String),
      deviceExpiresAt: new Date(srv.clock.now() + 30 * 86_400_000).toISOString(),
    });
    srv.clock.advance(3_600_000);
    const seq = srv.auditCount();
    const again = await verify({ user, deviceToken: r.deviceToken });
    expect(again.json).toEqual({ ok: true, factor: { id: r.deviceId, type: 'remembered' } });
    const entry = srv.auditSince(seq)[0]!;
    expect([entry.action, entry.outcome]).toEqual(['verify', 'success']);
    expect(JSON.parse(entry.details!)).toEqual({ type: 'remembered', deviceId: r.deviceId });
    const detail = (await prov('GET', `/users/${user}`)).json;
    expect(detail.rememberedDevices).toEqual([
      {
        id: r.deviceId,
        label: 'Work laptop',
        application: 'test-verify',
        userAgent: 'Firefox 140 on Linux',
        createdAt: expect.any(String),
        lastUsedAt: new Date(srv.clock.now()).toISOString(),
        expiresAt: r.deviceExpiresAt,
      },
    ]);
    expect(JSON.stringify(detail)).not.toContain(r.deviceToken);
  });

  it('refused once expired, for another API key, for another user, and once revoked; never counted as a wrong code', async () => {
    const { user, r } = await rememberedUser('refuse', 2);
    const other = await totpUser('someone');
    expect((await verify({ user, deviceToken: r.deviceToken }, otherKey)).json).toEqual({ ok: false, reason: 'device_not_remembered' });
    expect((await verify({ user: other.user, deviceToken: r.deviceToken })).json).toEqual({ ok: false, reason: 'device_not_remembered' });
    srv.clock.set(Date.parse(r.deviceExpiresAt) - 1000);
    const still = await verify({ user, deviceToken: r.deviceToken });
    expect(still.json, still.text).toMatchObject({ ok: true });
    srv.clock.advance(1000);
    expect((await verify({ user, deviceToken: r.deviceToken })).json).toEqual({ ok: false, reason: 'device_not_remembered' });
    expect((await prov('GET', `/users/${user}`)).json.throttle.failures).toBe(0);
    expect(sweepExpiredDevices(srv.services)).toBeGreaterThanOrEqual(1);

    const second = await rememberedUser('revoked');
    const { revokeRememberedDevice } = await import('../services/rememberedDevices');
    revokeRememberedDevice(srv.services, second.user, second.r.deviceId, 'laptop stolen', SYSTEM_ACTOR);
    expect((await verify({ user: second.user, deviceToken: second.r.deviceToken })).json).toEqual({ ok: false, reason: 'device_not_remembered' });
  });

  it('a reset (lost device) revokes every remembered device of the user', async () => {
    const { user, r } = await rememberedUser('reset');
    const reset = await prov('POST', `/users/${user}/reset`, { reason: 'lost phone' });
    expect(reset.status).toBe(200);
    expect((await verify({ user, deviceToken: r.deviceToken })).json).toEqual({ ok: false, reason: 'device_not_remembered' });
    expect((await prov('GET', `/users/${user}`)).json.rememberedDevices).toEqual([]);
  });

  it('a locked user stays locked with a device token', async () => {
    const { user, f, r } = await rememberedUser('locked');
    const wrong = codeNow(f) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 30; i++) {
      const v = await verify({ user, code: wrong });
      if (v.json.reason === 'locked') break;
      srv.clock.advance(((v.json.retryAfterSeconds as number | undefined) ?? 0) * 1000 + 1000);
    }
    const v = await verify({ user, deviceToken: r.deviceToken });
    expect(v.status).toBe(423);
    expect(v.json).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('off (the default): remember and deviceToken are refused with method_disabled before any code is checked', async () => {
    updateSettings(srv.services, { rememberDevices: false }, SYSTEM_ACTOR);
    const { user, f } = await totpUser('off');
    const code = codeNow(f);
    const before = srv.snapshot();
    const r = await verify({ user, code, remember: { label: 'x' } });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('method_disabled');
    expect(srv.snapshot()).toBe(before);
    // The code was not used up by the refused call.
    expect((await verify({ user, code })).json.ok).toBe(true);
  });

  it('bad input: both a code and a token, neither, remember without a code, a malformed token, days over the setting — 400, nothing changes', async () => {
    const { user, f } = await totpUser('bad');
    const before = srv.snapshot();
    const cases: [Record<string, unknown>, string][] = [
      [{ user, code: '123456', deviceToken: `tdt_${'a'.repeat(43)}` }, 'deviceToken'],
      [{ user }, 'code'],
      [{ user, deviceToken: 'not-a-token' }, 'deviceToken'],
      [{ user, deviceToken: `tdt_${'a'.repeat(43)}`, remember: { label: 'x' } }, 'remember'],
      [{ user, code: codeNow(f), remember: { label: '' } }, 'remember.label'],
    ];
    for (const [body, path] of cases) {
      const r = await verify(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(
        r.json.error.fields.map((x: { path: string }) => x.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const tooLong = await verify({ user, code: codeNow(f), remember: { label: 'x', days: 31 } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(/at most 30 days/);
    expect(srv.snapshot()).toBe(before);
  });

  it('tokens are not in the database file or its WAL', async () => {
    const { r } = await rememberedUser('scan');
    // The database file and its WAL (on PostgreSQL: every stored value).
    const stored = storedBytes(srv.services.store);
    expect(stored.length).toBeGreaterThan(0);
    for (const [where, bytes] of stored) expect(bytes.includes(Buffer.from(r.deviceToken.slice(4))), where).toBe(false);
  });
});

describe('re-checks', () => {
  it('when on, each successful verify says when to ask again, between the two settings', async () => {
    updateSettings(srv.services, { recheck: true, recheckMinSeconds: 600, recheckMaxSeconds: 900 }, SYSTEM_ACTOR);
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const { user, f } = await totpUser('recheck');
      const r = await verify({ user, code: codeNow(f) });
      expect(r.json.ok).toBe(true);
      expect(r.json.recheckAfterSeconds).toBeGreaterThanOrEqual(600);
      expect(r.json.recheckAfterSeconds).toBeLessThanOrEqual(900);
      seen.add(r.json.recheckAfterSeconds);
    }
    expect(seen.size).toBeGreaterThan(1);
    updateSettings(srv.services, { recheck: false }, SYSTEM_ACTOR);
    const { user, f } = await totpUser('norecheck');
    expect((await verify({ user, code: codeNow(f) })).json).not.toHaveProperty('recheckAfterSeconds');
  });

  it('a shortest above the longest is refused by field', async () => {
    expect(() => updateSettings(srv.services, { recheckMinSeconds: 1000, recheckMaxSeconds: 900 }, SYSTEM_ACTOR)).toThrow(/longest re-check/);
    updateSettings(srv.services, { recheckMinSeconds: 600, recheckMaxSeconds: 900 }, SYSTEM_ACTOR);
    expect(() => updateSettings(srv.services, { recheckMinSeconds: 1000 }, SYSTEM_ACTOR)).toThrow(/longest re-check/);
  });
});

describe('method names, the last method used, who may remove', () => {
  it('GET /users/{u} names each factor’s method as the admin renamed it, and says what was used last and when', async () => {
    updateSettings(srv.services, { methodNames: { totp: 'Phone app', recovery: 'Backup codes' } }, SYSTEM_ACTOR);
    const { user, f } = await totpUser('names');
    const before = (await prov('GET', `/users/${user}`)).json;
    expect(before.lastUsed).toBeNull();
    expect(before.hasActiveFactor).toBe(true);
    expect(before.factors[0]).toMatchObject({ type: 'totp', methodName: 'Phone app', appsMayRemove: true });
    await verify({ user, code: codeNow(f) });
    const at = new Date(srv.clock.now()).toISOString();
    expect((await prov('GET', `/users/${user}`)).json.lastUsed).toEqual({ factorId: f.id, type: 'totp', at });
    const codes = (await issueRecoveryCodes(srv.services, user, SYSTEM_ACTOR)).codes;
    srv.clock.advance(1000);
    expect((await verify({ user, code: codes[0]! })).json.ok).toBe(true);
    expect((await prov('GET', `/users/${user}`)).json.lastUsed).toMatchObject({ type: 'recovery' });
  });

  it('a method the enterprise owns: applications cannot remove its factors (nor reset the user), operators can', async () => {
    updateSettings(srv.services, { appsMayRemove: { totp: false } }, SYSTEM_ACTOR);
    const { user, f } = await totpUser('owned');
    expect((await prov('GET', `/users/${user}`)).json.factors[0].appsMayRemove).toBe(false);
    const before = srv.snapshot();
    const r = await prov('DELETE', `/users/${user}/factors/${f.id}`, { reason: 'app cleanup' });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/Only operators may remove Authenticator app \(TOTP\) factors/);
    expect((await prov('POST', `/users/${user}/reset`, { reason: 'app cleanup' })).status).toBe(403);
    expect(srv.snapshot()).toBe(before);
    const { deleteFactor } = await import('../services/factors');
    deleteFactor(srv.services, user, f.id, 'helpdesk ticket 42', { kind: 'operator', id: 'op', name: 'helpdesk', ip: null });
    expect((await prov('GET', `/users/${user}`)).json.factors).toEqual([]);
  });
});
