import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TesseraError } from '../../shared/errors';
import { LOGIN_ADDRESS_BURST, LOGIN_ADDRESS_REFILL_MS } from '../services/addressLimiter';
import { PASSWORD_HASH_CONCURRENCY, PASSWORD_HASH_QUEUE, passwordLane } from '../services/hashLanes';
import { SYSTEM_ACTOR } from '../services/index';
import { createOperator } from '../services/operatorAccounts';
import { scryptWatch } from '../testing/scryptWatch';
import { startTestServer, type TestServer } from '../testing/harness';
import { operatorAuth } from '../services/index';
import { rawSqlite } from '../store/testing';

vi.mock('node:crypto', async (real) => (await import('../testing/scryptWatch')).watchedCrypto(await real()));

/**
 * Issue 11, finding 6: unauthenticated sign-in floods. One address gets a
 * small burst of password attempts, then 429 + Retry-After before any hash,
 * whatever the name. Many addresses at once meet the password lane: a few
 * hashes run, a few wait, the rest get a clear 429 at once — and an
 * application's recovery-code verify, in its own lane, is answered while
 * the flood is still being hashed.
 */

const PASSWORD = 'correct horse battery staple 42';
const FLOOD = 48;

let srv: TestServer;
let addressCount = 0;
const anotherAddress = () => {
  addressCount += 1;
  return { ip: `172.16.${(addressCount >> 8) & 255}.${addressCount & 255}`, userAgent: 'flood' };
};
let nameCount = 0;
const randomName = () => `nobody-${++nameCount}-${Math.random().toString(36).slice(2, 8)}`;

/** auth.login over HTTP, as the console sends it (from 127.0.0.1). */
const httpLogin = (username: string, password: string) =>
  srv.call('POST', '/trpc/auth.login', { body: { username, password }, headers: { 'x-tessera-csrf': '1' } });

/** 48 sign-ins with random names from 48 addresses, all at once; each settles to its status. */
function flood(onChecked?: () => void): Promise<number>[] {
  return Array.from({ length: FLOOD }, () =>
    operatorAuth.login(srv.services, { username: randomName(), password: 'guess' }, anotherAddress()).then(
      () => 200,
      (err: unknown) => {
        if (!(err instanceof TesseraError)) throw err;
        if (err.status === 401) onChecked?.();
        return err.status;
      },
    ),
  );
}

beforeAll(async () => {
  srv = await startTestServer();
  await createOperator(srv.services, { username: 'opal', role: 'admin', password: PASSWORD }, SYSTEM_ACTOR);
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(() => scryptWatch.reset());

describe('one address', () => {
  it(`after ${LOGIN_ADDRESS_BURST} attempts: 429 + Retry-After before any hash, the same body for a known and an unknown name; one more after the refill`, async () => {
    const first: number[] = [];
    // Ten tries at one name: four are checked, the name's throttle holds back six unhashed; all ten spend the address's allowance.
    for (let i = 0; i < LOGIN_ADDRESS_BURST; i++) first.push((await httpLogin('opal', `wrong ${i}`)).status);
    expect(first.filter((s) => s === 401)).toHaveLength(4);
    expect(first.filter((s) => s === 429)).toHaveLength(LOGIN_ADDRESS_BURST - 4);
    expect(scryptWatch.password.started).toBe(4);

    const audit0 = srv.auditCount();
    const known = await httpLogin('opal', PASSWORD);
    const unknown = await httpLogin('nobody-at-all', 'guess');
    const retry = String(Math.ceil(LOGIN_ADDRESS_REFILL_MS / 1000));
    for (const r of [known, unknown]) {
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe(retry);
      expect(r.json.error.message).toBe(`Too many sign-in attempts from your address. Try again in ${retry} seconds.`);
      expect(r.json.error.data).toMatchObject({ tesseraCode: 'throttled', retryAfterSeconds: Number(retry) });
    }
    expect(unknown.json).toEqual(known.json);
    expect(scryptWatch.password.started).toBe(4); // no hash for either
    // The run of refusals is audited once, not once per request.
    expect(srv.auditCount() - audit0).toBe(1);
    const entry = rawSqlite(srv.services.store).prepare('SELECT action, outcome, reason, ip FROM audit_log ORDER BY seq DESC LIMIT 1').get();
    expect(entry).toEqual({ action: 'operator.login', outcome: 'denied', reason: 'address_limited', ip: '127.0.0.1' });

    srv.clock.advance(LOGIN_ADDRESS_REFILL_MS);
    expect((await httpLogin('someone-else', 'guess')).status).toBe(401);
    expect((await httpLogin('someone-else', 'guess')).status).toBe(429);
    expect(scryptWatch.password.started).toBe(5);
  });
});

describe(`${FLOOD} sign-ins at once from ${FLOOD} addresses`, () => {
  it('at most PASSWORD_HASH_CONCURRENCY hashes run at once, PASSWORD_HASH_QUEUE wait, the rest get 429 "busy" unhashed', async () => {
    const statuses = await Promise.all(flood());
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBe(PASSWORD_HASH_CONCURRENCY + PASSWORD_HASH_QUEUE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(FLOOD - checked);
    expect(scryptWatch.password.started).toBe(checked);
    expect(scryptWatch.password.peak).toBeLessThanOrEqual(PASSWORD_HASH_CONCURRENCY);
    const after = await operatorAuth.login(srv.services, { username: randomName(), password: 'guess' }, anotherAddress()).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(TesseraError); // nothing in flight now: an ordinary 401
    expect((after as TesseraError).status).toBe(401);
  });

  it('a refused one says why and when, in the API error shape', async () => {
    const all = flood();
    const busy = operatorAuth.login(srv.services, { username: randomName(), password: 'guess' }, anotherAddress()).catch((e: unknown) => e);
    const err = (await busy) as TesseraError;
    await Promise.all(all);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err.toBody()).toEqual({
      error: {
        code: 'throttled',
        message: expect.stringMatching(/^The server is busy checking other sign-ins; try again in \d+ seconds?$/),
        retryAfterSeconds: expect.any(Number),
      },
    });
    expect(err.status).toBe(429);
  });

  it("an application's recovery-code verify is answered while the password lane is still full", async () => {
    await srv.createUser('flood-victim');
    const codes = (await srv.call('POST', '/api/v1/users/flood-victim/recovery-codes', { key: srv.keys.provision })).json.codes as string[];
    let checkedSoFar = 0;
    const all = flood(() => {
      checkedSoFar += 1;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(passwordLane.stats()).toMatchObject({ running: PASSWORD_HASH_CONCURRENCY, waiting: PASSWORD_HASH_QUEUE });
    const r = await srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user: 'flood-victim', code: codes[0] } });
    const checkedWhenAnswered = checkedSoFar;
    await Promise.all(all);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, factor: { type: 'recovery' } });
    // Ordering, not timing: most of the admitted sign-ins were still waiting for their hash when the verify was answered.
    const admitted = PASSWORD_HASH_CONCURRENCY + PASSWORD_HASH_QUEUE;
    expect(checkedWhenAnswered).toBeLessThan(admitted / 2);
  });
});
