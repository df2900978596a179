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

  it('finds the module of each stored factor type', () => {
    for (const t of FACTOR_TYPES) expect(moduleForFactor(t)?.factorType).toBe(t);
    expect(moduleForFactor('totp')).toBe(METHOD_MODULES.totp);
    expect(METHOD_MODULES.recovery.factorType).toBeNull();
  });

  it('codes: TOTP, HOTP, email and SMS match per factor, recovery codes are a set, WebAuthn takes no typed code', () => {
    expect(METHOD_MODULES.totp.verify.kind).toBe('factor');
    expect(METHOD_MODULES.hotp.verify.kind).toBe('factor');
    expect(METHOD_MODULES.email.verify.kind).toBe('factor');
    expect(METHOD_MODULES.sms.verify.kind).toBe('factor');
    expect(METHOD_MODULES.recovery.verify.kind).toBe('set');
    expect(METHOD_MODULES.webauthn.verify).toBeNull();
    expect(ALL_METHOD_MODULES.filter((m) => m.confirm !== null).map((m) => m.method)).toEqual(['totp', 'hotp', 'email', 'sms']);
  });

  it('every method of this release can be turned on (nothing listed without its module)', () => {
    const off = Object.fromEntries(METHODS.map((m) => [m, false])) as Record<(typeof METHODS)[number], boolean>;
    const allOn = Object.fromEntries(METHODS.map((m) => [m, true])) as Record<(typeof METHODS)[number], boolean>;
    expect(() => requireMethodsAvailable(allOn, off)).not.toThrow();
    expect([...AVAILABLE_METHODS].sort()).toEqual([...METHODS].sort());
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

  it('a stored switch from an older release (no sms key) loads with the default; email and SMS turn on and off, one entry each', () => {
    const { sms: _sms, ...older } = DEFAULT_SETTINGS.methods;
    srv.services.store.settings.set('methods', { ...older, email: true });
    srv.services.settings.refresh();
    expect(srv.services.settings.isEnabled('email')).toBe(true);
    expect(srv.services.settings.isEnabled('sms')).toBe(false);
    let before = srv.auditCount();
    updateSettings(srv.services, { methods: { email: false } }, SYSTEM_ACTOR);
    expect(srv.auditCount() - before).toBe(1);
    expect(srv.services.settings.isEnabled('email')).toBe(false);
    before = srv.auditCount();
    updateSettings(srv.services, { methods: { sms: true } }, SYSTEM_ACTOR);
    expect(srv.auditCount() - before).toBe(1);
    expect(srv.services.settings.isEnabled('sms')).toBe(true);
    updateSettings(srv.services, { methods: { sms: false } }, SYSTEM_ACTOR);
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
