import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../services/index';
import { updateSettings } from '../services/settings';
import { hotpCode, startTestServer, totpCode, wrongCode, type Factor, type TestServer } from '../testing/harness';
import { rawConnection } from '../store/testing';

/**
 * POST /verify over HTTP: TOTP window and replay, HOTP look-ahead and
 * counter, recovery codes, methods turned off, concurrent requests
 * (invariant 3) and throttling with the injected clock (invariant 4).
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

const verify = (user: string, code: string, key = srv.keys.verify) => srv.call('POST', `${V1}/verify`, { key, body: { user, code } });
const newUser = async (prefix: string) => {
  const name = `${prefix}-${++n}`;
  await srv.createUser(name);
  return name;
};
/** A code that is wrong at the current time for a TOTP factor, whatever the window. */
const badTotp = (f: Factor) => {
  const near = [-2, -1, 0, 1, 2].map((o) => totpCode(f, srv.clock.now(), o));
  return wrongCode(near[2]!, near);
};
/** A code matching none of the HOTP counters the server could accept next. */
const badHotp = (f: Factor) => {
  const counter = factorRow(f.id).counter;
  const ahead = Array.from({ length: 12 }, (_, i) => hotpCode(f, counter + i));
  return wrongCode(ahead[0]!, ahead);
};
const factorRow = (id: string) =>
  rawConnection(srv.services.store).prepare('SELECT counter, last_step FROM factors WHERE id = ?').get(id) as { counter: number; last_step: number };

describe('TOTP', () => {
  it('a valid code → ok with the factor id and type; the same code again → code_already_used (replay)', async () => {
    const u = await newUser('totp');
    const f = await srv.activeFactor(u, 'totp');
    const code = totpCode(f, srv.clock.now());
    const r = await verify(u, code);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    const again = await verify(u, code);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ok: false, reason: 'code_already_used' });
    // Still a replay a few seconds later, inside the same step.
    srv.clock.advance(5_000);
    expect((await verify(u, code)).json).toEqual({ ok: false, reason: 'code_already_used' });
  });

  it('codes one step either side are accepted; two steps away are refused', async () => {
    const u = await newUser('window');
    const f = await srv.activeFactor(u, 'totp');
    srv.clock.advance(10 * 30_000); // well past the confirming step: nothing here can be a replay
    const now = srv.clock.now();
    expect((await verify(u, totpCode(f, now, -2))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, totpCode(f, now, 2))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, totpCode(f, now, -1))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    expect((await verify(u, totpCode(f, now, 1))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    // The +1 step is now the last one used: the current step is behind it and refused (wait for the next one).
    expect((await verify(u, totpCode(f, now, 0))).json).toEqual({ ok: false, reason: 'code_already_used' });
  });

  it('a wrong code → invalid_code', async () => {
    const u = await newUser('wrong');
    const f = await srv.activeFactor(u, 'totp');
    expect((await verify(u, badTotp(f))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, '12345')).json).toEqual({ ok: false, reason: 'invalid_code' }); // too short
    expect((await verify(u, 'abcdef')).json).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('8-digit SHA512 60 s factors verify', async () => {
    const u = await newUser('sha512');
    const f = await srv.activeFactor(u, 'totp', { algorithm: 'SHA512', digits: 8, period: 60 });
    const code = totpCode(f, srv.clock.now());
    expect(code).toHaveLength(8);
    expect((await verify(u, code)).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('spaces in the code are ignored', async () => {
    const u = await newUser('spaces');
    const f = await srv.activeFactor(u, 'totp');
    const code = totpCode(f, srv.clock.now());
    expect((await verify(u, ` ${code.slice(0, 3)} ${code.slice(3)} `)).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    srv.clock.advance(30_000);
    const next = totpCode(f, srv.clock.now());
    expect((await verify(u, `${next.slice(0, 2)}\t${next.slice(2, 4)} ${next.slice(4)}`)).json.ok).toBe(true);
  });

  it('a user with no factor → no_factor', async () => {
    const u = await newUser('nofactor');
    const r = await verify(u, '123456');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: false, reason: 'no_factor' });
  });

  it('with two factors, either verifies and the answer names the one that matched', async () => {
    const u = await newUser('two');
    const t = await srv.activeFactor(u, 'totp');
    const h = await srv.activeFactor(u, 'hotp');
    expect((await verify(u, hotpCode(h, 1))).json).toEqual({ ok: true, factor: { id: h.id, type: 'hotp' } });
    expect((await verify(u, totpCode(t, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: t.id, type: 'totp' } });
  });
});

describe('a method turned off', () => {
  it('TOTP off: codes are not accepted and enrollment is refused with a clear error; back on, they work', async () => {
    const u = await newUser('off');
    const f = await srv.activeFactor(u, 'totp');
    const pending = await srv.call('POST', `${V1}/users/${u}/factors`, { key: srv.keys.provision, body: { type: 'totp' } });
    expect(pending.status).toBe(201);
    updateSettings(srv.services, { methods: { totp: false } }, SYSTEM_ACTOR);
    try {
      const r = await verify(u, totpCode(f, srv.clock.now()));
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ ok: false, reason: 'method_disabled' });

      const before = srv.snapshot();
      const e = await srv.call('POST', `${V1}/users/${u}/factors`, { key: srv.keys.provision, body: { type: 'totp' } });
      expect(e.status).toBe(403);
      expect(e.json.error.code).toBe('method_disabled');
      expect(e.json.error.message).toMatch(/TOTP/);
      expect(e.json.error.message).toMatch(/turned off/);
      expect(srv.snapshot()).toBe(before);

      const c = await srv.call('POST', `${V1}/users/${u}/factors/${pending.json.id}/confirm`, {
        key: srv.keys.provision,
        body: { code: totpCode({ ...f, secret: pending.json.secret }, srv.clock.now()) },
      });
      expect(c.status).toBe(403);
      expect(c.json.error.code).toBe('method_disabled');

      // HOTP is unaffected.
      expect((await srv.call('POST', `${V1}/users/${u}/factors`, { key: srv.keys.provision, body: { type: 'hotp' } })).status).toBe(201);
    } finally {
      updateSettings(srv.services, { methods: { totp: true } }, SYSTEM_ACTOR);
    }
    srv.clock.advance(30_000);
    expect((await verify(u, totpCode(f, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('recovery codes off: a recovery code is not accepted and none can be issued', async () => {
    const u = await newUser('recoff');
    const codes = (await srv.call('POST', `${V1}/users/${u}/recovery-codes`, { key: srv.keys.provision })).json.codes as string[];
    updateSettings(srv.services, { methods: { recovery: false } }, SYSTEM_ACTOR);
    try {
      expect((await verify(u, codes[0]!)).json.ok).toBe(false);
      const r = await srv.call('POST', `${V1}/users/${u}/recovery-codes`, { key: srv.keys.provision });
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('method_disabled');
    } finally {
      updateSettings(srv.services, { methods: { recovery: true } }, SYSTEM_ACTOR);
    }
    expect((await verify(u, codes[1]!)).json.ok).toBe(true);
  });
});

describe('HOTP', () => {
  it('look-ahead 10 works, 11 does not; the counter never goes back', async () => {
    const u = await newUser('hotp');
    const f = await srv.activeFactor(u, 'hotp'); // confirmed with counter 0: next expected is 1
    expect(factorRow(f.id).counter).toBe(1);
    expect((await verify(u, hotpCode(f, 1 + 11))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect(factorRow(f.id).counter).toBe(1);
    expect((await verify(u, hotpCode(f, 1 + 10))).json).toEqual({ ok: true, factor: { id: f.id, type: 'hotp' } });
    expect(factorRow(f.id).counter).toBe(12);
    // Older codes, and the one just used, are refused and move nothing.
    expect((await verify(u, hotpCode(f, 5))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await verify(u, hotpCode(f, 11))).json).toEqual({ ok: false, reason: 'code_already_used' });
    expect(factorRow(f.id).counter).toBe(12);
    expect((await verify(u, hotpCode(f, 12))).json).toEqual({ ok: true, factor: { id: f.id, type: 'hotp' } });
    expect(factorRow(f.id).counter).toBe(13);
  });
});

describe('concurrency (invariant 3)', () => {
  it('50 parallel requests with the same valid TOTP code → exactly one ok', async () => {
    const u = await newUser('race');
    const f = await srv.activeFactor(u, 'totp');
    const code = totpCode(f, srv.clock.now());
    const audit0 = srv.auditCount();
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(u, code)));
    const ok = results.filter((r) => r.json.ok === true);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.status).toBe(200);
    expect(ok[0]!.json.factor).toEqual({ id: f.id, type: 'totp' });
    const refused = results.filter((r) => r.json.ok === false);
    expect(refused).toHaveLength(49);
    for (const r of refused) {
      expect([200, 429, 423]).toContain(r.status);
      expect(['code_already_used', 'throttled', 'locked']).toContain(r.json.reason);
    }
    expect(srv.auditCount() - audit0).toBe(50);
  });

  it('50 parallel wrong codes cannot outrun the throttle: 4 are checked, 46 refused unchecked', async () => {
    const u = await newUser('flood');
    const f = await srv.activeFactor(u, 'totp');
    const bad = badTotp(f);
    const audit0 = srv.auditCount();
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(u, bad)));
    expect(results.filter((r) => r.status === 200 && r.json.reason === 'invalid_code')).toHaveLength(4);
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(46);
    for (const r of throttled) expect(r.json).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 2 });
    expect(srv.auditCount() - audit0).toBe(50);
    expect((await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision })).json.throttle).toEqual({
      failures: 4,
      state: 'throttled',
      retryAfterSeconds: 2,
    });
  });

  it('50 parallel requests with the same valid HOTP code → exactly one ok', async () => {
    const u = await newUser('hrace');
    const f = await srv.activeFactor(u, 'hotp');
    const code = hotpCode(f, 1);
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(u, code)));
    expect(results.filter((r) => r.json.ok === true)).toHaveLength(1);
    expect(results.filter((r) => r.json.ok === false)).toHaveLength(49);
    expect(factorRow(f.id).counter).toBe(2);
  });

  it('50 parallel requests with the same recovery code → exactly one ok', async () => {
    const u = await newUser('rrace');
    const codes = (await srv.call('POST', `${V1}/users/${u}/recovery-codes`, { key: srv.keys.provision })).json.codes as string[];
    const audit0 = srv.auditCount();
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(u, codes[0]!)));
    expect(results.filter((r) => r.json.ok === true)).toHaveLength(1);
    expect(results.filter((r) => r.json.ok === false)).toHaveLength(49);
    expect(srv.auditCount() - audit0).toBe(50);
    const g = await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision });
    expect(g.json.recoveryCodes).toEqual({ total: 10, unused: 9 });
  });
});

describe('throttling (invariant 4), with the injected clock', () => {
  const expectBlocked = async (u: string, code: string, status: 429 | 423, retry: number) => {
    const r = await verify(u, code);
    expect(r.status, r.text).toBe(status);
    expect(r.json).toEqual({ ok: false, reason: status === 429 ? 'throttled' : 'locked', retryAfterSeconds: retry });
    expect(r.headers.get('retry-after')).toBe(String(retry));
  };

  it('3 free failures; the 4th earns a 2 s delay during which even a right code is refused unchecked', async () => {
    const u = await newUser('thr');
    const f = await srv.activeFactor(u, 'totp');
    for (let i = 1; i <= 3; i++) {
      expect((await verify(u, badTotp(f))).json).toEqual({ ok: false, reason: 'invalid_code' });
      // No delay yet: the next attempt is checked right away.
    }
    expect((await verify(u, badTotp(f))).status).toBe(200); // the 4th failure is itself checked
    const good = totpCode(f, srv.clock.now());
    await expectBlocked(u, good, 429, 2);
    srv.clock.advance(1_000);
    await expectBlocked(u, good, 429, 1);
    expect(factorRow(f.id).last_step).toBeLessThan(Math.floor(srv.clock.now() / 30_000));
    srv.clock.advance(1_000);
    // The step was not consumed while throttled: the same code works now.
    expect((await verify(u, good)).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('delays double 2, 4, 8 … 64; the 10th failure locks for 1800 s; the lock releases itself after 30 min', async () => {
    const u = await newUser('lock');
    const f = await srv.activeFactor(u, 'totp');
    for (let i = 1; i <= 3; i++) expect((await verify(u, badTotp(f))).status).toBe(200);
    for (let failures = 4; failures <= 9; failures++) {
      expect((await verify(u, badTotp(f))).json).toEqual({ ok: false, reason: 'invalid_code' });
      const delay = 2 ** (failures - 3);
      await expectBlocked(u, badTotp(f), 429, delay);
      srv.clock.advance(delay * 1000 - 1);
      await expectBlocked(u, badTotp(f), 429, 1);
      srv.clock.advance(1);
    }
    expect((await verify(u, badTotp(f))).json).toEqual({ ok: false, reason: 'invalid_code' }); // failure 10
    const good = totpCode(f, srv.clock.now());
    await expectBlocked(u, good, 423, 1800);
    const g = await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision });
    expect(g.json.throttle).toEqual({ failures: 10, state: 'locked', retryAfterSeconds: 1800 });
    srv.clock.advance(29 * 60_000);
    await expectBlocked(u, totpCode(f, srv.clock.now()), 423, 60);
    srv.clock.advance(60_000);
    expect((await verify(u, totpCode(f, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
    expect((await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision })).json.throttle).toEqual({
      failures: 0,
      state: 'ok',
      retryAfterSeconds: null,
    });
  });

  it('after the lock expires without a success the count starts again from zero', async () => {
    const u = await newUser('relock');
    const f = await srv.activeFactor(u, 'hotp');
    for (let i = 1; i <= 10; i++) {
      await verify(u, badHotp(f));
      srv.clock.advance(2 ** Math.max(0, i - 3) * 1000);
    }
    const g = await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision });
    expect(g.json.throttle.state).toBe('locked');
    srv.clock.advance(30 * 60_000);
    // One failure after release is a first failure again, not an 11th.
    expect((await verify(u, badHotp(f))).json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision })).json.throttle).toEqual({
      failures: 1,
      state: 'ok',
      retryAfterSeconds: null,
    });
  });

  it('a recovery code during a lock is refused unchecked and stays unused', async () => {
    const u = await newUser('reclock');
    const f = await srv.activeFactor(u, 'totp');
    const codes = (await srv.call('POST', `${V1}/users/${u}/recovery-codes`, { key: srv.keys.provision })).json.codes as string[];
    for (let i = 1; i <= 10; i++) {
      await verify(u, badTotp(f));
      if (i < 10) srv.clock.advance(2 ** Math.max(0, i - 3) * 1000);
    }
    await expectBlocked(u, codes[0]!, 423, 1800);
    expect((await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision })).json.recoveryCodes).toEqual({ total: 10, unused: 10 });
  });

  it('a success resets the count', async () => {
    const u = await newUser('reset');
    const f = await srv.activeFactor(u, 'totp');
    for (let i = 0; i < 3; i++) await verify(u, badTotp(f));
    expect((await verify(u, totpCode(f, srv.clock.now()))).json.ok).toBe(true);
    expect((await srv.call('GET', `${V1}/users/${u}`, { key: srv.keys.provision })).json.throttle.failures).toBe(0);
    // Three more failures are free again; only the 4th earns a delay.
    for (let i = 0; i < 3; i++) {
      const r = await verify(u, badTotp(f));
      expect(r.status).toBe(200);
    }
    expect((await verify(u, badTotp(f))).status).toBe(200);
    await expectBlocked(u, badTotp(f), 429, 2);
  });

  it('unlock clears a lock at once', async () => {
    const u = await newUser('unlock');
    const f = await srv.activeFactor(u, 'totp');
    for (let i = 1; i <= 10; i++) {
      await verify(u, badTotp(f));
      if (i < 10) srv.clock.advance(2 ** Math.max(0, i - 3) * 1000);
    }
    await expectBlocked(u, badTotp(f), 423, 1800);
    const r = await srv.call('POST', `${V1}/users/${u}/unlock`, { key: srv.keys.provision, body: { reason: 'verified by phone' } });
    expect(r.status).toBe(200);
    expect(r.json.throttle).toEqual({ failures: 0, state: 'ok', retryAfterSeconds: null });
    expect((await verify(u, totpCode(f, srv.clock.now()))).json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('failures count per user across API keys, and one user’s failures do not throttle another', async () => {
    const u = await newUser('keys');
    const other = await newUser('bystander');
    const f = await srv.activeFactor(u, 'totp');
    const g = await srv.activeFactor(other, 'totp');
    await verify(u, badTotp(f), srv.keys.verify);
    await verify(u, badTotp(f), srv.keys.all);
    await verify(u, badTotp(f), srv.keys.verify);
    await verify(u, badTotp(f), srv.keys.all);
    await expectBlocked(u, badTotp(f), 429, 2);
    const r = await srv.call('POST', `${V1}/verify`, { key: srv.keys.all, body: { user: u, code: badTotp(f) } });
    expect(r.status).toBe(429);
    expect((await verify(other, totpCode(g, srv.clock.now()))).json.ok).toBe(true);
  });
});
