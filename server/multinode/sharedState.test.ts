import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TesseraError } from '../../shared/errors';
import { hashToken as hashOf } from '../core/tokens';
import { authenticateApiKey, createApiKey, revokeApiKey } from '../services/apiKeys';
import { SYSTEM_ACTOR, type Services } from '../services/index';
import { completeEnrollment, completeLogin, login, purgeSessions } from '../services/operatorAuth/index';
import { issueRecoveryCodes } from '../services/recoveryCodes';
import { updateSettings } from '../services/settings';
import { issueSetupToken } from '../services/setup';
import { beginSetup } from '../services/operatorAuth/login';
import { recoveryLane } from '../services/hashLanes';
import { CHECK_LEASE_MS } from '../services/sharedSingleFlight';
import { createUser } from '../services/users';
import { verify } from '../services/verify';
import { totpCode } from '../testing/otp';
import { scryptWatch } from '../testing/scryptWatch';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';
import { openTessera } from '../tessera';

/**
 * Issue 17: two nodes on one PostgreSQL database, behind a load balancer
 * without sticky sessions, must not disagree because of what one process
 * keeps in memory. Two service contexts in this process, each with its own
 * connection (its own PG engine and LISTEN), one database, one master key:
 * settings and API-key revocations made on one are seen by the other, a
 * sign-in started on one is finished on the other and only once, and the
 * slow checks (recovery codes, operator passwords) run one at a time per
 * user or name across both, with a crashed holder's lease running out.
 */

const meta = { ip: '192.0.2.17', userAgent: 'multinode-test' };
const PASSWORD = 'a long enough passphrase 17';
const RECOVERY = 'recovery-code';
const PASSWORD_CHECK = 'operator-password';

/** Until `done()` holds (polled every 5 ms), at most `ms`: a notice from the other node arrives on its own thread. */
async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const giveUp = Date.now() + ms;
  while (!done()) {
    if (Date.now() > giveUp) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until `node` has heard of another node's commit after `since` (its dataVersion moved). */
const heardOf = (node: Services, since: number) => until(() => node.store.db.dataVersion() !== since);

const refusal = (fn: () => unknown): TesseraError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe.skipIf(testBackend() !== 'postgres')('state two nodes share through one PostgreSQL database', () => {
  let url: string;
  let a: Services;
  let b: Services;
  const dirs: string[] = [];
  // One clock for both nodes: TOTP steps and lease lives move when a test says so.
  let now = Date.now();
  const clock = () => now;

  beforeAll(async () => {
    url = (await freshTestDatabase())!;
    const masterKey = randomBytes(32);
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-shared-'));
    dirs.push(shared);
    const node = () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-node-'));
      dirs.push(dataDir);
      return openTessera({ dataDir, databaseUrl: url, masterKey, clock, env: { TESSERA_AUDIT_ANCHOR: path.join(shared, 'audit.anchor') } });
    };
    a = node();
    b = node();
  });

  afterAll(async () => {
    a?.store.close();
    b?.store.close();
    if (url) await dropTestDatabase(url);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const node of [a, b]) {
      node.verifyQueues.setCodesInFlight.limits.waitMs = 4_000;
      node.operatorSignIn.inFlight.limits.waitMs = 4_000;
    }
  });

  it('a settings change on A takes effect on B once B hears of the commit', async () => {
    expect(b.settings.get().issuer).not.toBe('Shared Issuer');
    expect(b.settings.isEnabled('hotp')).toBe(true);
    const since = b.store.db.dataVersion();
    updateSettings(a, { issuer: 'Shared Issuer', methods: { hotp: false } }, SYSTEM_ACTOR);
    await heardOf(b, since);
    expect(b.settings.get().issuer).toBe('Shared Issuer');
    expect(b.settings.isEnabled('hotp')).toBe(false);
    const back = a.store.db.dataVersion();
    updateSettings(b, { methods: { hotp: true } }, SYSTEM_ACTOR);
    await heardOf(a, back);
    expect(a.settings.isEnabled('hotp')).toBe(true);
    expect(a.settings.get().issuer).toBe('Shared Issuer');
  });

  it('an API key revoked on A is refused on B, whose cache had it', async () => {
    const key = createApiKey(a, { name: 'shared', scopes: ['verify'] }, SYSTEM_ACTOR);
    // B resolves it (and caches the principal), twice.
    expect(authenticateApiKey(b, key.key).id).toBe(key.id);
    expect(authenticateApiKey(b, key.key).id).toBe(key.id);
    const since = b.store.db.dataVersion();
    revokeApiKey(a, key.id, SYSTEM_ACTOR);
    await heardOf(b, since);
    expect(refusal(() => authenticateApiKey(b, key.key))).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/revoked/) });
    expect(refusal(() => authenticateApiKey(a, key.key)).code).toBe('unauthorized');
  });

  it('a sign-in started on A (password) is completed on B (code), and its ticket is used once across both', async () => {
    // The first admin: password on A, the enrollment (the seed sealed in the ticket row) completed on B.
    const { token } = issueSetupToken(a, SYSTEM_ACTOR)!;
    const enroll = await beginSetup(a, { token, username: 'root', password: PASSWORD }, meta);
    const secret = enroll.secret;
    const firstCode = totpCode({ secret }, now);
    const session = completeEnrollment(b, { ticket: enroll.ticket, code: firstCode }, meta);
    expect(session.operator.username).toBe('root');
    expect(b.store.operators.findByKey('root')).toMatchObject({ status: 'active' });
    // The same enrollment ticket and code again, on either node: gone (an enrollment has no TOTP step to replay against yet).
    for (const node of [a, b]) {
      expect(refusal(() => completeEnrollment(node, { ticket: enroll.ticket, code: firstCode }, meta))).toMatchObject({
        code: 'unauthorized',
        message: expect.stringMatching(/expired; start again/),
      });
    }

    // A later sign-in: password on A, code on B; the ticket then refused on A.
    now += 60_000;
    const step = await login(a, { username: 'root', password: PASSWORD }, meta);
    expect(step.next).toBe('totp');
    const ticket = (step as { ticket: string }).ticket;
    expect(b.store.signInTickets.find(hashOf(ticket))).toMatchObject({ purpose: 'totp', secret_sealed: null });
    expect(b.store.signInTickets.find(ticket)).toBeUndefined(); // only its hash is stored
    const code = totpCode({ secret }, now);
    expect(completeLogin(b, { ticket, code }, meta).operator.username).toBe('root');
    expect(refusal(() => completeLogin(a, { ticket, code }, meta)).message).toMatch(/expired; start again/);

    // Wrong codes count on the row, whichever node they reach: the fifth kills the ticket for both.
    now += 60_000;
    const next = (await login(b, { username: 'root', password: PASSWORD }, meta)) as { ticket: string };
    const right = totpCode({ secret }, now);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      now += 10_000; // past the throttle's short delays (2 s, 4 s): each wrong code reaches the ticket
      expect(refusal(() => completeLogin(i % 2 ? a : b, { ticket: next.ticket, code: wrong }, meta)).code).toBe('invalid_code');
    }
    now += 10_000;
    expect(refusal(() => completeLogin(a, { ticket: next.ticket, code: right }, meta)).message).toMatch(/expired; start again/);
    // Clear root's throttle for the tests after this one.
    a.store.tx(() => a.store.operators.update(session.operator.id, { failures: 0, last_failure_at: null, locked_until: null }));
  });

  it('one recovery-code check per user across nodes: B waits while A checks, never two hashes at once', async () => {
    createUser(a, { username: 'rc-one' }, SYSTEM_ACTOR);
    createUser(a, { username: 'rc-two' }, SYSTEM_ACTOR);
    const one = (await issueRecoveryCodes(a, 'rc-one', SYSTEM_ACTOR)).codes;
    const two = (await issueRecoveryCodes(b, 'rc-two', SYSTEM_ACTOR)).codes;
    const oneId = a.store.users.findByKey('rc-one')!.id;

    // A's check in flight (A holds the lease): B's check of the same user waits, unhashed, until A is done.
    const releaseA = (await a.verifyQueues.setCodesInFlight.acquire(oneId))!;
    expect(a.store.checkLeases.find(RECOVERY, oneId)).toBeDefined();
    scryptWatch.reset();
    let settled = false;
    const onB = verify(b, { user: 'rc-one', code: one[0]! }, SYSTEM_ACTOR).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    expect(scryptWatch.recovery.started).toBe(0);
    releaseA();
    expect(await onB).toMatchObject({ ok: true, recoveryCodesLeft: 9 });
    expect(a.store.checkLeases.find(RECOVERY, oneId)).toBeUndefined();

    // Both nodes at once for one user: one check (hash) at a time. Checks in the recovery lane are counted (the
    // process's hashing thread runs one scrypt at a time here anyway); two users at once do run two (the count can see it).
    scryptWatch.reset();
    recoveryLane.resetPeak();
    const oneAtATime = await Promise.all([a, b, a, b].map((node, i) => verify(node, { user: 'rc-one', code: one[i + 1]! }, SYSTEM_ACTOR)));
    expect(oneAtATime.every((r) => r.ok)).toBe(true);
    expect(scryptWatch.recovery.started).toBeGreaterThanOrEqual(4);
    expect(recoveryLane.stats().peakRunning).toBe(1);
    recoveryLane.resetPeak();
    await Promise.all([verify(a, { user: 'rc-one', code: one[5]! }, SYSTEM_ACTOR), verify(b, { user: 'rc-two', code: two[0]! }, SYSTEM_ACTOR)]);
    expect(recoveryLane.stats().peakRunning).toBe(2);
  });

  it('a node that outwaits another node’s lease refuses as a full queue does (throttled, audited, unhashed)', async () => {
    createUser(a, { username: 'rc-wait' }, SYSTEM_ACTOR);
    const codes = (await issueRecoveryCodes(a, 'rc-wait', SYSTEM_ACTOR)).codes;
    const id = a.store.users.findByKey('rc-wait')!.id;
    const releaseA = (await a.verifyQueues.setCodesInFlight.acquire(id))!;
    b.verifyQueues.setCodesInFlight.limits.waitMs = 200;
    scryptWatch.reset();
    const answer = await verify(b, { user: 'rc-wait', code: codes[0]! }, SYSTEM_ACTOR);
    expect(answer).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 1 });
    expect(scryptWatch.recovery.started).toBe(0);
    const entry = b.audit.query({ action: 'verify', user: 'rc-wait', order: 'desc', limit: 1 }).items[0];
    expect(entry).toMatchObject({ outcome: 'denied', reason: 'throttled', details: { concurrent: true } });
    expect(b.store.users.findByKey('rc-wait')!.failures).toBe(0); // not counted against the user
    releaseA();
    expect(await verify(b, { user: 'rc-wait', code: codes[0]! }, SYSTEM_ACTOR)).toMatchObject({ ok: true });

    // The operator password check: A holds root's name; B's sign-in is refused with the full queue's 429, no hash.
    const releaseName = (await a.operatorSignIn.inFlight.acquire('root'))!;
    b.operatorSignIn.inFlight.limits.waitMs = 200;
    scryptWatch.reset();
    await expect(login(b, { username: 'root', password: PASSWORD }, meta)).rejects.toMatchObject({
      code: 'throttled',
      message: expect.stringMatching(/at once/),
    });
    expect(scryptWatch.password.started).toBe(0);
    releaseName();
    expect((await login(b, { username: 'root', password: PASSWORD }, meta)).next).toBe('totp');
  });

  it('a dead holder’s lease runs out: after its life another node takes the check', async () => {
    createUser(a, { username: 'rc-dead' }, SYSTEM_ACTOR);
    const codes = (await issueRecoveryCodes(a, 'rc-dead', SYSTEM_ACTOR)).codes;
    const id = a.store.users.findByKey('rc-dead')!.id;
    // A node took the lease and died: it never gives it back.
    expect(a.store.checkLeases.take(RECOVERY, id, 'crashed-node', now, now + CHECK_LEASE_MS)).toBe(true);
    expect(a.store.checkLeases.take(RECOVERY, id, 'someone-else', now, now + CHECK_LEASE_MS)).toBe(false);
    b.verifyQueues.setCodesInFlight.limits.waitMs = 200;
    expect(await verify(b, { user: 'rc-dead', code: codes[0]! }, SYSTEM_ACTOR)).toMatchObject({ ok: false, reason: 'throttled' });
    now += CHECK_LEASE_MS;
    expect(await verify(b, { user: 'rc-dead', code: codes[0]! }, SYSTEM_ACTOR)).toMatchObject({ ok: true });
    expect(a.store.checkLeases.find(RECOVERY, id)).toBeUndefined(); // B's lease given back; the dead one's gone with it
    // A password lease the same way.
    expect(a.store.checkLeases.take(PASSWORD_CHECK, 'root', 'crashed-node', now, now + CHECK_LEASE_MS)).toBe(true);
    now += CHECK_LEASE_MS;
    expect((await login(b, { username: 'root', password: PASSWORD }, meta)).next).toBe('totp');
  });

  it('the session sweep on one node removes every node’s expired tickets, and only those', async () => {
    const old = (await login(a, { username: 'root', password: PASSWORD }, meta)) as { ticket: string };
    now += 4 * 60_000;
    const live = (await login(a, { username: 'root', password: PASSWORD }, meta)) as { ticket: string };
    now += 60_000; // the first is past its 5 minutes, the second is not
    purgeSessions(b);
    expect(a.store.signInTickets.find(hashOf(old.ticket))).toBeUndefined();
    expect(a.store.signInTickets.find(hashOf(live.ticket))).toBeDefined();
  });
});
