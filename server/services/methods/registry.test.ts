import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVAILABLE_METHODS, FACTOR_TYPES, METHODS } from '../../../shared/schemas/methods';
import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { allKeys, startTestServer, type TestServer } from '../../testing/harness';
import { SYSTEM_ACTOR } from '../context';
import { getUser } from '../users';
import { updateSettings } from '../settings';
import { ALL_METHOD_MODULES, METHOD_MODULES, moduleForFactor, requireMethodsAvailable } from './registry';

describe('method registry', () => {
  it('holds one module per available method, each switched by its own setting with the shared default', () => {
    expect(Object.keys(METHOD_MODULES).sort()).toEqual([...AVAILABLE_METHODS].sort());
    for (const m of ALL_METHOD_MODULES) {
      expect(m.settings.toggle).toBe(m.method);
      expect(m.settings.enabledByDefault).toBe(DEFAULT_SETTINGS.methods[m.method]);
    }
  });

  it('finds the module of each stored factor type; none for email before email codes exist', () => {
    for (const t of FACTOR_TYPES) expect(moduleForFactor(t)?.factorType).toBe(t === 'email' ? undefined : t);
    expect(moduleForFactor('totp')).toBe(METHOD_MODULES.totp);
    expect(METHOD_MODULES.recovery.factorType).toBeNull();
  });

  it('codes: TOTP and HOTP match per factor, recovery codes are a set, WebAuthn takes no typed code', () => {
    expect(METHOD_MODULES.totp.verify.kind).toBe('factor');
    expect(METHOD_MODULES.hotp.verify.kind).toBe('factor');
    expect(METHOD_MODULES.recovery.verify.kind).toBe('set');
    expect(METHOD_MODULES.webauthn.verify).toBeNull();
    expect(ALL_METHOD_MODULES.filter((m) => m.confirm !== null).map((m) => m.method)).toEqual(['totp', 'hotp']);
  });

  it('refuses turning on a method not built yet, and only that', () => {
    const off = Object.fromEntries(METHODS.map((m) => [m, false])) as Record<(typeof METHODS)[number], boolean>;
    expect(() => requireMethodsAvailable({ email: true }, off)).toThrow(
      expect.objectContaining({ code: 'method_unavailable', message: expect.stringContaining('no codes are sent') }),
    );
    expect(() => requireMethodsAvailable({ email: false, totp: true, hotp: true, recovery: true, webauthn: true }, off)).not.toThrow();
    // A value stored before (email on) is kept as it is and can be turned off.
    expect(() => requireMethodsAvailable({ email: true }, { ...off, email: true })).not.toThrow();
  });
});

describe('methods over a running Tessera', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  it('a stored email switch from before still loads and can be turned off (one entry); it cannot be turned back on', () => {
    srv.services.store.settings.set('methods', { ...DEFAULT_SETTINGS.methods, email: true });
    srv.services.settings.refresh();
    expect(srv.services.settings.isEnabled('email')).toBe(true);
    let before = srv.auditCount();
    updateSettings(srv.services, { methods: { email: false } }, SYSTEM_ACTOR);
    expect(srv.auditCount() - before).toBe(1);
    expect(srv.services.settings.isEnabled('email')).toBe(false);
    before = srv.auditCount();
    expect(() => updateSettings(srv.services, { methods: { email: true } }, SYSTEM_ACTOR)).toThrow(expect.objectContaining({ code: 'method_unavailable' }));
    expect(srv.auditCount() - before).toBe(0);
    expect(srv.services.settings.isEnabled('email')).toBe(false);
  });

  it('a factor view shows what its method describes and never its seed', async () => {
    await srv.createUser('described');
    await srv.activeFactor('described', 'totp', { algorithm: 'SHA256', digits: 8, period: 60 });
    await srv.activeFactor('described', 'hotp');
    const detail = getUser(srv.services, 'described');
    expect(detail.factors.map((f) => [f.type, f.algorithm, f.digits, f.period])).toEqual([
      ['totp', 'SHA256', 8, 60],
      ['hotp', 'SHA1', 6, null],
    ]);
    const keys = allKeys(detail);
    for (const secret of ['secret', 'secret_sealed', 'secretBytes', 'otpauthUri']) expect(keys.has(secret)).toBe(false);
  });
});
