import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TesseraError } from '../../shared/errors';
import { base32Decode } from '../core/otp/secret';
import { hashToken } from '../core/tokens';
import { totpCode } from '../testing/otp';
import { openTessera } from '../tessera';
import { authenticateApiKey, createApiKey, revokeApiKey } from './apiKeys';
import { SYSTEM_ACTOR, type Services } from './index';
import { completeEnrollment, login, purgeSessions } from './operatorAuth/index';
import { beginSetup } from './operatorAuth/login';
import { resetOperatorPasswordFromCli } from './operatorAuth/passwordReset';
import { TICKET_MS } from './operatorAuth/tickets';
import { SQLITE_VERSION_CHECK_MS, updateSettings } from './settings';
import { issueSetupToken } from './setup';
import { SharedSingleFlight } from './sharedSingleFlight';

/**
 * Issue 17 on SQLite: what the services used to keep in one process's
 * memory is in the store, so a second connection to the same file (the CLI,
 * or a second process) sees it. Two service contexts over one data folder:
 * `server` and `cli`. The same on PostgreSQL across nodes is
 * server/multinode/sharedState.test.ts.
 */

const meta = { ip: '192.0.2.4', userAgent: 'test' };
const PASSWORD = 'a long enough passphrase 4';
let dir: string;
let now: number;
let server: Services;
let cli: Services;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-shared-'));
  now = Date.UTC(2026, 11, 4, 9);
  server = openTessera({ dataDir: dir, env: {}, clock: () => now });
  cli = openTessera({ dataDir: dir, env: {}, createIfNew: false, clock: () => now });
});
afterEach(() => {
  server.store.close();
  cli.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const giveUp = Date.now() + ms;
  while (!done()) {
    if (Date.now() > giveUp) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const refusal = (fn: () => unknown): TesseraError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('settings', () => {
  it('a change committed on another connection (the CLI) takes effect in the server within SQLITE_VERSION_CHECK_MS', async () => {
    expect(server.settings.isEnabled('hotp')).toBe(true);
    updateSettings(cli, { issuer: 'From the CLI', methods: { hotp: false } }, SYSTEM_ACTOR);
    await until(() => server.settings.get().issuer === 'From the CLI', SQLITE_VERSION_CHECK_MS + 5_000);
    expect(server.settings.isEnabled('hotp')).toBe(false);
    expect(server.settings.throttle()).toEqual(cli.settings.throttle());
  });

  it("this connection's own write shows only after its transaction commits; a rolled back one never", () => {
    const before = server.settings.get().issuer;
    expect(() =>
      server.store.tx(() => {
        server.settings.apply({ issuer: 'Never committed' });
        expect(server.settings.get().issuer).toBe(before);
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    server.settings.refresh();
    expect(server.settings.get().issuer).toBe(before);
    updateSettings(server, { issuer: 'Committed' }, SYSTEM_ACTOR);
    expect(server.settings.get().issuer).toBe('Committed');
    expect(server.store.settings.all().issuer).toBe('Committed');
  });
});

describe('API keys', () => {
  it('a key the CLI revokes is refused by the server at once, though its cache had it', () => {
    const key = createApiKey(server, { name: 'app', scopes: ['verify'] }, SYSTEM_ACTOR);
    expect(authenticateApiKey(server, key.key).id).toBe(key.id);
    revokeApiKey(cli, key.id, SYSTEM_ACTOR);
    expect(refusal(() => authenticateApiKey(server, key.key)).message).toMatch(/revoked/);
  });
});

describe('sign-in tickets', () => {
  it('a sign-in begun on one connection completes on the other, once; the seed is sealed in the row, only the hash of the ticket kept', async () => {
    const { token } = issueSetupToken(server, SYSTEM_ACTOR)!;
    const step = await beginSetup(server, { token, username: 'chief', password: PASSWORD }, meta);
    const row = cli.store.signInTickets.find(hashToken(step.ticket))!;
    expect(row).toMatchObject({ purpose: 'enroll', attempts: 0, expires_at: now + TICKET_MS, secret_key_version: expect.any(Number) });
    expect(cli.store.signInTickets.find(step.ticket)).toBeUndefined();
    const seed = Buffer.from(base32Decode(step.secret));
    expect(row.secret_sealed!.includes(seed)).toBe(false);
    expect(row.secret_sealed!.length).toBeGreaterThan(seed.length);
    const code = totpCode({ secret: step.secret }, now);
    expect(completeEnrollment(cli, { ticket: step.ticket, code }, meta).operator.username).toBe('chief');
    expect(refusal(() => completeEnrollment(server, { ticket: step.ticket, code }, meta)).message).toMatch(/expired; start again/);
    expect(server.store.signInTickets.find(hashToken(step.ticket))).toBeUndefined();
  });

  it('a sealed seed moved to another ticket row does not open (bound to its own row)', async () => {
    const { token } = issueSetupToken(server, SYSTEM_ACTOR)!;
    const first = await beginSetup(server, { token, username: 'chief', password: PASSWORD }, meta);
    const op = server.store.operators.findByKey('chief')!;
    // A second enrollment ticket for the same operator, then the first one's sealed seed copied into it.
    now += 1_000;
    const second = (await login(server, { username: 'chief', password: PASSWORD }, meta)) as { next: string; ticket: string };
    expect(second.next).toBe('enroll');
    const firstRow = server.store.signInTickets.find(hashToken(first.ticket))!;
    server.store.tx(() => {
      server.store.signInTickets.delete(hashToken(second.ticket));
      server.store.signInTickets.insert({ ...firstRow, hash: hashToken(second.ticket), operator_id: op.id });
    });
    expect(refusal(() => completeEnrollment(cli, { ticket: second.ticket, code: totpCode({ secret: first.secret }, now) }, meta)).code).toBe('integrity');
    expect(server.store.operators.findById(op.id)!.status).toBe('pending');
  });

  it('a password change from the CLI drops the open tickets the server issued; the sweep drops expired ones only', async () => {
    const { token } = issueSetupToken(server, SYSTEM_ACTOR)!;
    const old = await beginSetup(server, { token, username: 'chief', password: PASSWORD }, meta);
    now += TICKET_MS - 1_000;
    const live = (await login(server, { username: 'chief', password: PASSWORD }, meta)) as { ticket: string };
    now += 2_000;
    purgeSessions(cli);
    expect(server.store.signInTickets.find(hashToken(old.ticket))).toBeUndefined();
    expect(server.store.signInTickets.find(hashToken(live.ticket))).toBeDefined();
    await resetOperatorPasswordFromCli(cli, 'chief', 'another long passphrase 5', SYSTEM_ACTOR);
    expect(server.store.signInTickets.find(hashToken(live.ticket))).toBeUndefined();
  });
});

describe('one check in flight across connections', () => {
  it('a lease held on one connection holds the other back until released; a full wait is refused; a lapsed lease is taken over', async () => {
    const mine = new SharedSingleFlight(server.store, 'test-check', 4, () => now);
    const theirs = new SharedSingleFlight(cli.store, 'test-check', 4, () => now, { waitMs: 150 });
    const release = (await mine.acquire('alice'))!;
    expect(release).toBeTypeOf('function');
    expect(await theirs.acquire('alice')).toBeNull();
    const other = (await theirs.acquire('bob'))!; // another subject is free
    other();
    theirs.limits.waitMs = 5_000;
    let got = false;
    const waiting = theirs.acquire('alice').then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    release();
    const next = (await waiting)!;
    expect(cli.store.checkLeases.find('test-check', 'alice')).toMatchObject({ expires_at: now + mine.limits.leaseMs });
    next();
    expect(cli.store.checkLeases.find('test-check', 'alice')).toBeUndefined();

    // A holder that never gives its lease back: held for its life, then anyone's.
    expect(server.store.checkLeases.take('test-check', 'carol', 'gone', now, now + 10_000)).toBe(true);
    theirs.limits.waitMs = 100;
    expect(await theirs.acquire('carol')).toBeNull();
    now += 10_000;
    const taken = (await theirs.acquire('carol'))!;
    expect(server.store.checkLeases.find('test-check', 'carol')!.holder).not.toBe('gone');
    // The dead holder's late release leaves the new lease alone.
    server.store.checkLeases.release('test-check', 'carol', 'gone');
    expect(server.store.checkLeases.find('test-check', 'carol')).toBeDefined();
    taken();
  });

  it('a lease held past half its life is renewed while its holder runs, so a long check keeps it', async () => {
    const mine = new SharedSingleFlight(server.store, 'test-check', 4, () => now, { leaseMs: 100 });
    const theirs = new SharedSingleFlight(cli.store, 'test-check', 4, () => now, { waitMs: 100 });
    const release = (await mine.acquire('dave'))!;
    const first = server.store.checkLeases.find('test-check', 'dave')!.expires_at;
    now += 90;
    await until(() => server.store.checkLeases.find('test-check', 'dave')!.expires_at > first);
    now += 50; // past the first end, not the renewed one
    expect(await theirs.acquire('dave')).toBeNull();
    release();
    const after = (await theirs.acquire('dave'))!;
    after();
  });
});
