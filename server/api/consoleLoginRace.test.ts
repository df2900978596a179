import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TesseraError } from '../../shared/errors';
import { base32Decode, generateTotp } from '../core/index';
import { SYSTEM_ACTOR } from '../services/index';
import { createOperator } from '../services/operatorAccounts';
import type { RequestMeta } from '../services/operatorAuth';
import { scryptWatch } from '../testing/scryptWatch';
import { startTestServer, type TestServer } from '../testing/harness';
import { operatorAuth } from '../services/index';
import { rawConnection } from '../store/testing';

vi.mock('node:crypto', async (real) => (await import('../testing/scryptWatch')).watchedCrypto(await real()));

/**
 * Issue 11, finding 1: the console's password throttle under concurrency.
 * Bursts of 60 wrong passwords at once, each from its own address (so the
 * per-address allowance never steps in: this is the per-name gate alone),
 * against a real server. Every password that is checked must be counted,
 * the bursts must lock the operator after 10 checks as one-at-a-time
 * attempts would, and a name no operator has must answer every burst
 * exactly as a known one does. Also re-authentication, and recovery codes.
 */

const PASSWORD = 'correct horse battery staple 42';
const BURST = 60;

interface Answer {
  status: number;
  body: unknown;
}

let srv: TestServer;
let addressCount = 0;
/** Another address each time: an attacker with many. */
const anotherAddress = (): RequestMeta => {
  addressCount += 1;
  return { ip: `10.${(addressCount >> 16) & 255}.${(addressCount >> 8) & 255}.${addressCount & 255}`, userAgent: 'burst' };
};

async function answerOf(p: Promise<unknown>): Promise<Answer> {
  try {
    await p;
    return { status: 200, body: 'signed in' };
  } catch (err) {
    if (err instanceof TesseraError) return { status: err.status, body: err.toBody() };
    throw err;
  }
}

const loginBurst = (username: string) =>
  Promise.all(
    Array.from({ length: BURST }, (_, i) => answerOf(operatorAuth.login(srv.services, { username, password: `wrong password number ${i}` }, anotherAddress()))),
  );

/** The answers of a burst as a comparable multiset. */
const tally = (answers: Answer[]) => {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(JSON.stringify(a), (counts.get(JSON.stringify(a)) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
};
/** The longest wait any answer asked for: advancing by it opens the throttle again. */
const longestWait = (answers: Answer[]) =>
  Math.max(0, ...answers.map((a) => (a.body as { error?: { retryAfterSeconds?: number } }).error?.retryAfterSeconds ?? 0));
const operatorRow = (username: string) => srv.services.store.operators.findByKey(username)!;
const isLocked = (row: { locked_until: number | null }) => row.locked_until !== null && row.locked_until > srv.clock.now();

beforeAll(async () => {
  srv = await startTestServer();
  for (const username of ['opal', 'onyx', 'ruby']) {
    await createOperator(srv.services, { username, role: 'admin', password: PASSWORD }, SYSTEM_ACTOR);
  }
  // ruby signs in once and enrolls her code: re-authentication is for active operators.
  const step = await operatorAuth.login(srv.services, { username: 'ruby', password: PASSWORD }, anotherAddress());
  if (step.next !== 'enroll') throw new Error('expected enrollment');
  const code = generateTotp({ secret: base32Decode(step.secret), algorithm: 'SHA1', digits: 6, period: 30 }, Math.floor(srv.clock.now() / 1000));
  operatorAuth.completeEnrollment(srv.services, { ticket: step.ticket, code }, anotherAddress());
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(() => scryptWatch.reset());

describe('console sign-in under bursts of concurrent wrong passwords', () => {
  it('every checked password is counted, nothing is checked unthrottled, and the bursts lock the operator after 10', async () => {
    let checked = 0;
    for (let round = 0; round < 12; round++) {
      const answers = await loginBurst('opal');
      const wrong = answers.filter((a) => a.status === 401);
      checked += wrong.length;
      for (const a of wrong) expect(a.body).toEqual({ error: { code: 'unauthorized', message: 'Wrong username or password' } });
      for (const a of answers) expect([401, 429]).toContain(a.status);
      // The stored count is every password checked so far; one hash per check, none for a refusal.
      expect(operatorRow('opal').failures).toBe(checked);
      expect(scryptWatch.password.started).toBe(checked);
      if (isLocked(operatorRow('opal'))) break;
      srv.clock.advance(longestWait(answers) * 1000);
    }
    expect(checked).toBe(10);
    expect(isLocked(operatorRow('opal'))).toBe(true);
    // Locked: a burst with the right password among wrong ones is refused unchecked.
    const locked = await Promise.all([
      answerOf(operatorAuth.login(srv.services, { username: 'opal', password: PASSWORD }, anotherAddress())),
      ...Array.from({ length: 20 }, () => answerOf(operatorAuth.login(srv.services, { username: 'opal', password: 'wrong again' }, anotherAddress()))),
    ]);
    expect(locked.every((a) => a.status === 429)).toBe(true);
    expect(operatorRow('opal').failures).toBe(10);
    expect(scryptWatch.password.started).toBe(10);
  });

  it('a name no operator has answers the same bursts exactly as a known one, round after round, with the same hash work', async () => {
    for (let round = 0; round < 12; round++) {
      scryptWatch.reset();
      const known = await loginBurst('onyx');
      const knownHashes = scryptWatch.password.started;
      scryptWatch.reset();
      const unknown = await loginBurst('onyxx');
      expect(scryptWatch.password.started, `round ${round}: hashes`).toBe(knownHashes);
      expect(tally(unknown), `round ${round}`).toEqual(tally(known));
      if (isLocked(operatorRow('onyx'))) break;
      srv.clock.advance(Math.max(longestWait(known), longestWait(unknown)) * 1000);
    }
    // By now both are locked (after 7 rounds, as for opal); the lock lasts the same and reads the same.
    expect(isLocked(operatorRow('onyx'))).toBe(true);
    const afterLock = [await loginBurst('onyx'), await loginBurst('onyxx')];
    expect(tally(afterLock[1]!)).toEqual(tally(afterLock[0]!));
    expect(afterLock[0]!.every((a) => a.status === 429)).toBe(true);
  });

  it('re-authentication bursts are counted the same way and lock the operator after 10', async () => {
    const ruby = operatorRow('ruby');
    let checked = 0;
    for (let round = 0; round < 12; round++) {
      const answers = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          answerOf(operatorAuth.reauthenticate(srv.services, ruby.id, { password: `not my password ${i}` }, anotherAddress())),
        ),
      );
      const wrong = answers.filter((a) => a.status === 400);
      checked += wrong.length;
      for (const a of answers) expect([400, 429]).toContain(a.status);
      expect(operatorRow('ruby').failures).toBe(checked);
      expect(scryptWatch.password.started).toBe(checked);
      if (isLocked(operatorRow('ruby'))) break;
      srv.clock.advance(longestWait(answers) * 1000);
    }
    expect(checked).toBe(10);
    expect(isLocked(operatorRow('ruby'))).toBe(true);
    const audited = rawConnection(srv.services.store)
      .prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'operator.reauth' AND outcome = 'failure'`)
      .get() as { n: number };
    expect(audited.n).toBe(10);
  });
});

describe('recovery codes guessed concurrently', () => {
  const verify = (user: string, code: string) => srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user, code } });
  const throttleOf = async (user: string) => (await srv.call('GET', `/api/v1/users/${user}`, { key: srv.keys.provision })).json.throttle;
  /** A well-formed code with the lookup id of a real one and a wrong secret. */
  const wrongSecret = (real: string) => `${real.slice(0, 5)}${real[5] === '2' ? '3' : '2'}${real.slice(6)}`;

  it('two wrong codes at once count two failures', async () => {
    await srv.createUser('rec-two');
    const codes = (await srv.call('POST', '/api/v1/users/rec-two/recovery-codes', { key: srv.keys.provision })).json.codes as string[];
    const [a, b] = await Promise.all([verify('rec-two', wrongSecret(codes[0]!)), verify('rec-two', wrongSecret(codes[1]!))]);
    expect(a!.json).toEqual({ ok: false, reason: 'invalid_code' });
    expect(b!.json).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await throttleOf('rec-two')).failures).toBe(2);
  });

  it('eight at once: each one checked is counted, the throttle holds the rest back unchecked, one audit entry each', async () => {
    await srv.createUser('rec-eight');
    const codes = (await srv.call('POST', '/api/v1/users/rec-eight/recovery-codes', { key: srv.keys.provision })).json.codes as string[];
    scryptWatch.reset();
    const audit0 = srv.auditCount();
    const results = await Promise.all(codes.slice(0, 8).map((c) => verify('rec-eight', wrongSecret(c))));
    const wrong = results.filter((r) => r.json.reason === 'invalid_code');
    expect(wrong.length).toBeGreaterThanOrEqual(2);
    for (const r of results.filter((x) => x.json.reason !== 'invalid_code')) expect(r.status).toBe(429);
    expect((await throttleOf('rec-eight')).failures).toBe(wrong.length);
    expect(scryptWatch.recovery.started).toBe(wrong.length);
    expect(srv.auditCount() - audit0).toBe(8);
  });
});
