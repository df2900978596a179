import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnrollFactorInput } from '../../shared/schemas/factors';
import { openTestServices, totpCode, wrongCode, type TestServices } from '../testing/harness';
import { createApiKey, revokeApiKey } from './apiKeys';
import { SYSTEM_ACTOR } from './context';
import { confirmFactor, enrollOtpFactor } from './factors';
import { gettingStarted } from './gettingStarted';
import { updateSettings } from './settings';
import { applyUserImport, planUserImport, readUserCsv } from './userImport';
import { createUser } from './users';
import { verify } from './verify';

/** Issue 18 #10: each getting-started step is ticked by the real change, and only by it (real SQLite). */

let t: TestServices;
beforeEach(() => {
  t = openTestServices({ prefix: 'tessera-getting-started-' });
});
afterEach(() => t.close());

const done = () => Object.fromEntries(gettingStarted(t.services).steps.map((s) => [s.step, s.done]));
const actor = { ...SYSTEM_ACTOR, name: 'test' };

describe('gettingStarted', () => {
  it('a new install: nothing done, in the order an administrator goes', () => {
    const r = gettingStarted(t.services);
    expect(r.steps.map((s) => s.step)).toEqual(['issuer', 'methods', 'users', 'bulkUsers', 'apiClient', 'firstVerify']);
    expect(r.steps.every((s) => !s.done)).toBe(true);
    expect(r.complete).toBe(false);
  });

  it('settings: the issuer renamed ticks the issuer only; a method switched ticks methods', () => {
    updateSettings(t.services, { issuer: 'Example Corp' }, actor);
    expect(done()).toMatchObject({ issuer: true, methods: false });
    updateSettings(t.services, { methods: { email: true } }, actor);
    expect(done()).toMatchObject({ issuer: true, methods: true });
  });

  it('a user added by hand ticks users, not bulk users; a CSV import ticks bulk users', async () => {
    createUser(t.services, { username: 'alice' }, actor);
    expect(done()).toMatchObject({ users: true, bulkUsers: false });
    const { rows } = readUserCsv('username,email\nbob,bob@example.org\ncarol,\n');
    await applyUserImport(t.services, planUserImport(t.services, rows), actor);
    expect(done()).toMatchObject({ users: true, bulkUsers: true });
  });

  it('an API client counts while it is not revoked', () => {
    const key = createApiKey(t.services, { name: 'vpn', scopes: ['verify'] }, actor);
    expect(done().apiClient).toBe(true);
    revokeApiKey(t.services, key.id, actor);
    expect(done().apiClient).toBe(false);
  });

  it('a wrong code is no first verify; an accepted one is', async () => {
    createUser(t.services, { username: 'dana' }, actor);
    const f = enrollOtpFactor(t.services, 'dana', EnrollFactorInput.parse({ type: 'totp' }), actor);
    const params = { secret: f.secret, algorithm: 'SHA1', digits: 6, period: 30 } as const;
    confirmFactor(t.services, 'dana', f.id, totpCode(params, Date.now() - 30_000), actor);
    const app = { kind: 'apikey' as const, id: 'k1', name: 'app', ip: null };
    const now = Date.now();
    // Wrong for every step the window accepts.
    const wrong = wrongCode(totpCode(params, now), [totpCode(params, now - 30_000), totpCode(params, now + 30_000)]);
    await verify(t.services, { user: 'dana', code: wrong }, app);
    expect(done().firstVerify).toBe(false);
    const ok = await verify(t.services, { user: 'dana', code: totpCode(params, Date.now()) }, app);
    expect(ok.ok).toBe(true);
    expect(done().firstVerify).toBe(true);
  });
});
