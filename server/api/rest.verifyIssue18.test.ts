import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../services/index';
import { dashboardStats } from '../services/dashboard';
import { updateSettings } from '../services/settings';
import { issueSheetFactor } from '../services/sheets/enrollmentSheets';
import { issueTemporaryCode } from '../services/temporaryCodes';
import { hotpCode, startTestServer, totpCode, wrongCode, type Factor, type TestServer } from '../testing/harness';

/**
 * Issue 18 over HTTP, with the harness's clock: a printed sheet's pending
 * factor is finished by its first sign-in code at POST /verify (audited as
 * its confirmation); a code for a method turned off answers method_disabled
 * and is never counted; a replayed code answers code_already_used and is
 * counted; the dashboard counts neither no_factor nor method_disabled as
 * wrong codes.
 */

const V1 = '/api/v1';

let srv: TestServer;
let n = 0;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const verify = (user: string, code: string) => srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user, code } });
const prov = (method: string, path: string, body?: unknown) => srv.call(method, `${V1}${path}`, { key: srv.keys.provision, ...(body ? { body } : {}) });
const newUser = async (prefix: string) => {
  const name = `${prefix}-${++n}`;
  await srv.createUser(name);
  return name;
};
const userOf = async (u: string) => (await prov('GET', `/users/${u}`)).json;
/** A code wrong for a TOTP secret at the current time, whatever the window. */
const badTotp = (f: Pick<Factor, 'secret'>) => {
  const near = [-2, -1, 0, 1, 2].map((o) => totpCode(f, srv.clock.now(), o));
  return wrongCode(near[2]!, near);
};
/** A user with a printed sheet: a pending TOTP factor, as `tessera sheets` or the console's Print sheet makes it. */
const sheetUser = async (prefix: string) => {
  const u = await newUser(prefix);
  const sheet = issueSheetFactor(srv.services, u, SYSTEM_ACTOR, { paper: 'a4' });
  return { u, sheet, factor: { secret: sheet.secret } };
};
const withMethodsOff = async (methods: Partial<Record<'totp' | 'hotp' | 'recovery', false>>, body: () => Promise<void>) => {
  updateSettings(srv.services, { methods }, SYSTEM_ACTOR);
  try {
    await body();
  } finally {
    updateSettings(srv.services, { methods: Object.fromEntries(Object.keys(methods).map((m) => [m, true])) }, SYSTEM_ACTOR);
  }
};

describe('a printed sheet is finished by signing in with its first code (issue 18 #1)', () => {
  it('the first right code at /verify activates the sheet factor: ok, the factor active, one factor.confirm and one verify entry', async () => {
    const { u, sheet, factor } = await sheetUser('sheet');
    expect((await userOf(u)).factors).toMatchObject([{ id: sheet.factorId, status: 'pending', label: 'Enrollment sheet' }]);
    const seq = srv.auditCount();
    const code = totpCode(factor, srv.clock.now());
    const r = await verify(u, code);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, factor: { id: sheet.factorId, type: 'totp' } });
    const after = await userOf(u);
    expect(after.factors).toMatchObject([{ id: sheet.factorId, status: 'active', type: 'totp' }]);
    expect(after.hasActiveFactor).toBe(true);
    const entries = srv.auditSince(seq).map((e) => ({ action: e.action, outcome: e.outcome, reason: e.reason, details: JSON.parse(e.details ?? '{}') }));
    expect(entries).toEqual([
      {
        action: 'factor.confirm',
        outcome: 'success',
        reason: 'first_sign_in_code',
        details: { factorId: sheet.factorId, type: 'totp', label: 'Enrollment sheet' },
      },
      { action: 'verify', outcome: 'success', reason: null, details: { factorId: sheet.factorId, type: 'totp', confirmed: true } },
    ]);
    // The activating step is taken: the same code again is a replay, the next step signs in as usual.
    expect((await verify(u, code)).json).toEqual({ ok: false, reason: 'code_already_used' });
    srv.clock.advance(30_000);
    expect((await verify(u, totpCode(factor, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: sheet.factorId, type: 'totp' } });
  });

  it('the pending code is checked like an active one: one step either side, not two; a wrong code counts and leaves it pending', async () => {
    const { u, sheet, factor } = await sheetUser('sheet-window');
    const now = srv.clock.now();
    expect((await verify(u, totpCode(factor, now, 2))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, badTotp(factor))).json).toEqual({ ok: false, reason: 'invalid_code' });
    const pending = await userOf(u);
    expect(pending.factors).toMatchObject([{ id: sheet.factorId, status: 'pending' }]);
    expect(pending.throttle.failures).toBe(2);
    expect((await verify(u, totpCode(factor, now, -1))).json).toEqual({ ok: true, factor: { id: sheet.factorId, type: 'totp' } });
    expect((await userOf(u)).throttle.failures).toBe(0);
  });

  it('a pending HOTP factor (provisioned) activates with a code in its look-ahead; the counter moves past it', async () => {
    const u = await newUser('hotp-pending');
    const e = await prov('POST', `/users/${u}/factors`, { type: 'hotp' });
    const f = { secret: e.json.secret as string };
    expect((await verify(u, hotpCode(f, 11))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, hotpCode(f, 3))).json).toEqual({ ok: true, factor: { id: e.json.id, type: 'hotp' } });
    expect((await verify(u, hotpCode(f, 3))).json).toEqual({ ok: false, reason: 'code_already_used' });
    expect((await verify(u, hotpCode(f, 4))).json).toEqual({ ok: true, factor: { id: e.json.id, type: 'hotp' } });
  });

  it('a user with an active factor and a new sheet: the sheet’s first code activates it too, the old factor keeps working', async () => {
    const u = await newUser('second');
    const h = await srv.activeFactor(u, 'hotp');
    const sheet = issueSheetFactor(srv.services, u, SYSTEM_ACTOR, { paper: 'letter' });
    expect((await verify(u, totpCode({ secret: sheet.secret }, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: sheet.factorId, type: 'totp' } });
    expect((await verify(u, hotpCode(h, 1))).json).toEqual({ ok: true, factor: { id: h.id, type: 'hotp' } });
    expect((await userOf(u)).factors.map((f: { status: string }) => f.status)).toEqual(['active', 'active']);
  });

  it('activating ends the user’s temporary code, audited (as confirming in the console does)', async () => {
    const { u, sheet, factor } = await sheetUser('sheet-temp');
    issueTemporaryCode(srv.services, u, { reason: 'lost phone, ticket 9' }, SYSTEM_ACTOR);
    const seq = srv.auditCount();
    expect((await verify(u, totpCode(factor, srv.clock.now()))).json.ok).toBe(true);
    expect(srv.auditSince(seq).map((e) => e.action)).toEqual(['factor.confirm', 'temporary.revoke', 'verify']);
    expect((await userOf(u)).temporaryCode).toBeNull();
    expect(sheet.factorId).toBeTruthy();
  });

  it('an expired sheet is not activated: no_factor, and it stays for the sweep', async () => {
    const { u, sheet, factor } = await sheetUser('sheet-expired');
    srv.clock.advance(72 * 3_600_000 + 1000);
    expect((await verify(u, totpCode(factor, srv.clock.now()))).json).toEqual({ ok: false, reason: 'no_factor' });
    expect((await userOf(u)).factors).toMatchObject([{ id: sheet.factorId, status: 'pending' }]);
  });

  it('a locked user is answered locked before any check, and the sheet stays pending', async () => {
    const { u, sheet, factor } = await sheetUser('sheet-locked');
    for (let i = 0; i < 10; i++) {
      await verify(u, badTotp(factor));
      srv.clock.advance(70_000); // past each growing delay (at most 64 s before the lock)
    }
    const r = await verify(u, totpCode(factor, srv.clock.now()));
    expect(r.status).toBe(423);
    expect(r.json.reason).toBe('locked');
    expect((await userOf(u)).factors).toMatchObject([{ id: sheet.factorId, status: 'pending' }]);
    await prov('POST', `/users/${u}/unlock`, { reason: 'test over' });
  });

  it('50 parallel verifies with the sheet’s first code: exactly one ok, one activation, 51 entries', async () => {
    const { u, sheet, factor } = await sheetUser('sheet-race');
    const code = totpCode(factor, srv.clock.now());
    const seq = srv.auditCount();
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(u, code)));
    expect(results.filter((r) => r.json.ok === true)).toHaveLength(1);
    for (const r of results.filter((x) => x.json.ok === false)) expect(['code_already_used', 'throttled', 'locked']).toContain(r.json.reason);
    const entries = srv.auditSince(seq);
    expect(entries).toHaveLength(51);
    expect(entries.filter((e) => e.action === 'factor.confirm')).toHaveLength(1);
    expect((await userOf(u)).factors).toMatchObject([{ id: sheet.factorId, status: 'active' }]);
  });

  it('POST /challenge for a user holding only a sheet asks for the app’s code (sent: false), as for an active app; RADIUS challenge mode relies on it', async () => {
    const { u } = await sheetUser('sheet-challenge');
    const r = await srv.call('POST', `${V1}/challenge`, { key: srv.keys.verify, body: { user: u } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ sent: false, reason: 'not_needed' });
  });

  it('an email factor’s confirmation code is not a sign-in code: a pending email factor stays pending (no_factor)', async () => {
    // Covered with a real SMTP server in rest.delivered.test.ts; here only the rule that sent codes never activate at verify.
    const { METHOD_MODULES } = await import('../services/methods/registry');
    expect(METHOD_MODULES.email.verify.firstCodeActivates).toBe(false);
    expect(METHOD_MODULES.sms.verify.firstCodeActivates).toBe(false);
    expect(METHOD_MODULES.totp.verify.firstCodeActivates).toBe(true);
    expect(METHOD_MODULES.hotp.verify.firstCodeActivates).toBe(true);
  });
});

describe('a method turned off answers method_disabled and never counts (issue 18 #2)', () => {
  it('TOTP off, the user has only TOTP: a right code and wrong ones → method_disabled, no failure counted, no lock, audited as such', async () => {
    const u = await newUser('off-only');
    const f = await srv.activeFactor(u, 'totp');
    await withMethodsOff({ totp: false }, async () => {
      const seq = srv.auditCount();
      expect((await verify(u, totpCode(f, srv.clock.now()))).json).toEqual({ ok: false, reason: 'method_disabled' });
      for (let i = 0; i < 12; i++) {
        const r = await verify(u, badTotp(f));
        expect(r.status).toBe(200);
        expect(r.json).toEqual({ ok: false, reason: 'method_disabled' });
      }
      expect((await userOf(u)).throttle).toEqual({ failures: 0, state: 'ok', retryAfterSeconds: null });
      const entries = srv.auditSince(seq);
      expect(entries).toHaveLength(13);
      for (const e of entries)
        expect([e.action, e.outcome, e.reason, JSON.parse(e.details ?? '{}')]).toEqual(['verify', 'denied', 'method_disabled', { methods: ['totp'] }]);
    });
    srv.clock.advance(30_000);
    expect((await verify(u, totpCode(f, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('TOTP off beside an active HOTP token: a right TOTP code → method_disabled (uncounted); a wrong code → invalid_code (counted)', async () => {
    const u = await newUser('off-mixed');
    const t = await srv.activeFactor(u, 'totp');
    const h = await srv.activeFactor(u, 'hotp');
    await withMethodsOff({ totp: false }, async () => {
      const seq = srv.auditCount();
      expect((await verify(u, totpCode(t, srv.clock.now()))).json).toEqual({ ok: false, reason: 'method_disabled' });
      expect(JSON.parse(srv.auditSince(seq)[0]!.details ?? '{}')).toEqual({ methods: ['totp'], factorId: t.id });
      expect((await userOf(u)).throttle.failures).toBe(0);
      const near = [-1, 0, 1].map((o) => totpCode(t, srv.clock.now(), o));
      const ahead = Array.from({ length: 12 }, (_, i) => hotpCode(h, 1 + i));
      expect((await verify(u, wrongCode(near[1]!, [...near, ...ahead]))).json).toEqual({ ok: false, reason: 'invalid_code' });
      expect((await userOf(u)).throttle.failures).toBe(1);
      expect((await verify(u, hotpCode(h, 1))).json).toEqual({ ok: true, factor: { id: h.id, type: 'hotp' } });
    });
  });

  it('TOTP off: a pending sheet is neither activated nor counted (method_disabled)', async () => {
    const { u, sheet, factor } = await sheetUser('off-sheet');
    await withMethodsOff({ totp: false }, async () => {
      expect((await verify(u, totpCode(factor, srv.clock.now()))).json).toEqual({ ok: false, reason: 'method_disabled' });
      expect((await userOf(u)).factors).toMatchObject([{ id: sheet.factorId, status: 'pending' }]);
      expect((await userOf(u)).throttle.failures).toBe(0);
    });
    expect((await verify(u, totpCode(factor, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: sheet.factorId, type: 'totp' } });
  });

  it('recovery codes off: a recovery code → method_disabled, not counted, still unused; back on it works', async () => {
    const u = await newUser('off-recovery');
    const codes = (await prov('POST', `/users/${u}/recovery-codes`)).json.codes as string[];
    await withMethodsOff({ recovery: false }, async () => {
      for (let i = 0; i < 11; i++) expect((await verify(u, codes[0]!)).json).toEqual({ ok: false, reason: 'method_disabled' });
      // An app code while the user holds only recovery codes, which are off: not the user's fault either.
      expect((await verify(u, '123456')).json).toEqual({ ok: false, reason: 'method_disabled' });
      const after = await userOf(u);
      expect(after.throttle.failures).toBe(0);
      expect(after.recoveryCodes).toEqual({ total: 10, unused: 10 });
    });
    expect((await verify(u, codes[0]!)).json).toMatchObject({ ok: true, recoveryCodesLeft: 9 });
  });

  it('a locked user is answered locked, not method_disabled (the gate comes first)', async () => {
    const u = await newUser('off-locked');
    const f = await srv.activeFactor(u, 'totp');
    for (let i = 0; i < 10; i++) {
      await verify(u, badTotp(f));
      srv.clock.advance(70_000);
    }
    await withMethodsOff({ totp: false }, async () => {
      const r = await verify(u, totpCode(f, srv.clock.now()));
      expect(r.status).toBe(423);
      expect(r.json.reason).toBe('locked');
    });
    await prov('POST', `/users/${u}/unlock`, { reason: 'test over' });
  });
});

describe('a replayed code answers code_already_used, and is counted (issue 18 #4)', () => {
  it('TOTP: the same code twice → code_already_used, one failure counted, audited with the factor it replays', async () => {
    const u = await newUser('replay');
    const f = await srv.activeFactor(u, 'totp');
    const code = totpCode(f, srv.clock.now());
    expect((await verify(u, code)).json.ok).toBe(true);
    const seq = srv.auditCount();
    expect((await verify(u, code)).json).toEqual({ ok: false, reason: 'code_already_used' });
    const [e] = srv.auditSince(seq);
    expect([e!.action, e!.outcome, e!.reason]).toEqual(['verify', 'failure', 'code_already_used']);
    expect(JSON.parse(e!.details ?? '{}')).toMatchObject({ failures: 1, replayOf: f.id });
    expect((await userOf(u)).throttle.failures).toBe(1);
  });

  it('a recovery code used twice → code_already_used (one slow hash, counted); a wrong one → invalid_code', async () => {
    const u = await newUser('replay-recovery');
    const codes = (await prov('POST', `/users/${u}/recovery-codes`)).json.codes as string[];
    expect((await verify(u, codes[2]!)).json).toMatchObject({ ok: true, recoveryCodesLeft: 9 });
    expect((await verify(u, codes[2]!)).json).toEqual({ ok: false, reason: 'code_already_used' });
    const wrong = `${codes[3]!.slice(0, 5)}${codes[3]!.slice(5).replace(/[2-9A-Z]/, (c) => (c === '2' ? '3' : '2'))}`;
    expect((await verify(u, wrong)).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await userOf(u)).throttle.failures).toBe(2);
  });
});

describe('the dashboard counts wrong codes only (issue 18 #3)', () => {
  it('no_factor and method_disabled are not failed verifies (nor throttled); wrong and replayed codes are', async () => {
    const before = dashboardStats(srv.services, 1).days[0]!;
    const bare = await newUser('dash-bare');
    for (let i = 0; i < 5; i++) expect((await verify(bare, '123456')).json.reason).toBe('no_factor');
    const u = await newUser('dash');
    const f = await srv.activeFactor(u, 'totp');
    const code = totpCode(f, srv.clock.now());
    expect((await verify(u, code)).json.ok).toBe(true);
    expect((await verify(u, code)).json.reason).toBe('code_already_used');
    expect((await verify(u, badTotp(f))).json.reason).toBe('invalid_code');
    await withMethodsOff({ totp: false }, async () => {
      for (let i = 0; i < 3; i++) expect((await verify(u, badTotp(f))).json.reason).toBe('method_disabled');
    });
    const today = dashboardStats(srv.services, 1).days[0]!;
    expect(today.day).toBe(before.day);
    expect(today.verifyFailure - before.verifyFailure).toBe(2);
    expect(today.verifySuccess - before.verifySuccess).toBe(1);
    expect(today.throttled - before.throttled).toBe(0);
  });
});

describe('the API document names the new reasons', () => {
  it('GET /openapi.json: the verify answer’s reason lists method_disabled and code_already_used, each said in words', async () => {
    const doc = (await srv.call('GET', `${V1}/openapi.json`, { key: srv.keys.verify })).json;
    const schema = doc.paths['/verify'].post.responses['200'].content['application/json'].schema;
    const refusal = schema.oneOf.find((s: { properties: { ok: { const: boolean } } }) => s.properties.ok.const === false);
    const reason = refusal.properties.reason;
    expect(reason.enum).toEqual(expect.arrayContaining(['invalid_code', 'no_factor', 'method_disabled', 'code_already_used']));
    expect(reason.description).toMatch(/method_disabled: the code is for a method turned off in settings \(not counted/);
    expect(reason.description).toMatch(/code_already_used: a right code that was already used .*\(counted\)/);
  });
});

describe('a reset counts the recovery codes it voids (issue 18 #4)', () => {
  it('two of ten used: POST reset says 8 recovery codes removed, as the console’s dialog does', async () => {
    const u = await newUser('reset-count');
    const codes = (await prov('POST', `/users/${u}/recovery-codes`)).json.codes as string[];
    expect((await verify(u, codes[0]!)).json.ok).toBe(true);
    expect((await verify(u, codes[1]!)).json.ok).toBe(true);
    expect((await userOf(u)).recoveryCodes).toEqual({ total: 10, unused: 8 });
    const seq = srv.auditCount();
    const r = await prov('POST', `/users/${u}/reset`, { reason: 'lost phone' });
    expect(r.json).toEqual({ factorsRemoved: 0, recoveryCodesRemoved: 8 });
    expect(JSON.parse(srv.auditSince(seq)[0]!.details ?? '{}')).toEqual({ factorsRemoved: 0, recoveryCodesRemoved: 8 });
    expect((await userOf(u)).recoveryCodes).toEqual({ total: 0, unused: 0 });
  });
});
