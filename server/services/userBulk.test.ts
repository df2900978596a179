import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, CSRF_VALUE } from '../../shared/consoleHeaders';
import { startTestServer, totpCode, type Factor, type TestServer } from '../testing/harness';
import { removeFactorsPastGrace } from './directory/sweep';

/**
 * Bulk actions on a selection of users, through the console's tRPC over
 * real HTTP: one transaction, an audit entry per user changed plus one
 * summary, users the action does not apply to named as skipped, roles
 * checked on the server, and bad input refused with nothing changed.
 */
let srv: TestServer;
let admin: string;
let helpdesk: string;
let auditor: string;
const factors = new Map<string, Factor>();

beforeAll(async () => {
  srv = await startTestServer();
  admin = await srv.signIn('op-admin', 'admin');
  helpdesk = await srv.signIn('op-help', 'helpdesk');
  auditor = await srv.signIn('op-audit', 'auditor');
  for (const u of ['ana', 'ben', 'cleo', 'dev', 'eva']) {
    await srv.createUser(u);
    factors.set(u, await srv.activeFactor(u, 'totp'));
  }
}, 60_000);
afterAll(async () => {
  await srv.close();
});

function mutate(cookie: string, proc: string, body: unknown) {
  return srv.call('POST', `/trpc/users.${proc}`, { body, headers: { cookie, [CSRF_HEADER]: CSRF_VALUE } });
}

function verify(user: string) {
  const f = factors.get(user)!;
  srv.clock.advance(30_000);
  return srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user, code: totpCode(f, srv.clock.now()) } });
}

/** Everything but the API keys and sessions (a call records its key's last use and its session's last activity). */
function state(): string {
  const { api_keys: _used, sessions: _seen, ...rest } = JSON.parse(srv.snapshot()) as Record<string, unknown>;
  return JSON.stringify(rest);
}

describe('bulk disable and enable (admins)', () => {
  it('disables a selection: each refused at verify, one audit entry each and one summary; one already disabled is skipped', async () => {
    const seq = srv.auditCount();
    const r = await mutate(admin, 'bulkDisable', { usernames: ['ana', 'ben'], reason: 'ticket 1: left the company' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.result.data).toEqual({ action: 'disable', changed: ['ana', 'ben'], skipped: [], factorsRemoved: 0, recoveryCodesRemoved: 0 });
    const entries = srv.auditSince(seq);
    expect(entries.map((e) => [e.action, e.target_user, e.reason])).toEqual([
      ['user.disable', 'ana', 'ticket 1: left the company'],
      ['user.disable', 'ben', 'ticket 1: left the company'],
      ['users.bulk', null, 'ticket 1: left the company'],
    ]);
    expect(JSON.parse(entries[2]!.details!)).toEqual({ action: 'disable', selected: 2, changed: 2, skipped: 0 });
    expect((await verify('ana')).json).toEqual({ ok: false, reason: 'user_disabled' });
    expect((await verify('cleo')).json).toMatchObject({ ok: true });

    const again = await mutate(admin, 'bulkDisable', { usernames: ['ana', 'cleo'], reason: 'again' });
    expect(again.json.result.data).toMatchObject({ changed: ['cleo'], skipped: [{ username: 'ana', reason: 'already_disabled' }] });
  });

  it('the grace sweep leaves the factors of users an operator disabled', async () => {
    srv.clock.advance(40 * 86_400_000);
    expect(removeFactorsPastGrace(srv.services)).toBe(0);
    expect(srv.services.store.factors.listByUser(srv.services.store.users.findByKey('ana')!.id)).toHaveLength(1);
  });

  it('enables them again; a user who is not disabled is skipped', async () => {
    admin = await srv.signIn('op-admin-2', 'admin'); // forty days on: a new session
    const r = await mutate(admin, 'bulkEnable', { usernames: ['ana', 'ben', 'cleo', 'dev'], reason: 'back from leave' });
    expect(r.json.result.data).toMatchObject({ action: 'enable', changed: ['ana', 'ben', 'cleo'], skipped: [{ username: 'dev', reason: 'not_disabled' }] });
    expect((await verify('ana')).json).toMatchObject({ ok: true });
  }, 30_000);

  it('helpdesk and auditors may not disable or enable', async () => {
    helpdesk = await srv.signIn('op-help-2', 'helpdesk');
    auditor = await srv.signIn('op-audit-2', 'auditor');
    const before = state();
    for (const cookie of [helpdesk, auditor]) {
      for (const proc of ['bulkDisable', 'bulkEnable']) {
        const r = await mutate(cookie, proc, { usernames: ['eva'], reason: 'no' });
        expect(r.status, proc).toBe(403);
      }
    }
    expect((await mutate(auditor, 'bulkReset', { usernames: ['eva'], reason: 'no' })).status).toBe(403);
    expect(state()).toBe(before);
  }, 30_000);
});

describe('bulk reset (helpdesk)', () => {
  it('resets every selected user: factors and recovery codes gone, a user.reset each, one summary with the totals', async () => {
    const seq = srv.auditCount();
    const r = await mutate(helpdesk, 'bulkReset', { usernames: ['dev', 'eva'], reason: 'ticket 7: phones stolen' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.result.data).toEqual({ action: 'reset', changed: ['dev', 'eva'], skipped: [], factorsRemoved: 2, recoveryCodesRemoved: 0 });
    const entries = srv.auditSince(seq);
    expect(entries.map((e) => [e.action, e.target_user])).toEqual([
      ['user.reset', 'dev'],
      ['user.reset', 'eva'],
      ['users.bulk', null],
    ]);
    expect(JSON.parse(entries[2]!.details!)).toEqual({ action: 'reset', selected: 2, changed: 2, skipped: 0, factorsRemoved: 2, recoveryCodesRemoved: 0 });
    expect((await verify('dev')).json).toEqual({ ok: false, reason: 'no_factor' });
  });
});

describe('bad input changes nothing', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown user', { usernames: ['ana', 'nobody-here'], reason: 'r' }, /No user named "nobody-here": nothing was changed/],
    ['no users', { usernames: [], reason: 'r' }, /at least one user/],
    ['a user twice', { usernames: ['ana', 'ANA'], reason: 'r' }, /named twice/],
    ['no reason', { usernames: ['ana'] }, /Reason is required/],
    ['a blank reason', { usernames: ['ana'], reason: '   ' }, /Reason must not be empty/],
    ['too many users', { usernames: Array.from({ length: 501 }, (_, i) => `u${i}`), reason: 'r' }, /at most 500/],
    ['an extra field', { usernames: ['ana'], reason: 'r', force: true }, /force/],
  ];
  for (const [what, body, message] of cases) {
    it(`${what}: refused with a clear message, the database as it was`, async () => {
      const before = state();
      for (const [cookie, proc] of [
        [admin, 'bulkDisable'],
        [helpdesk, 'bulkReset'],
      ] as const) {
        const r = await mutate(cookie, proc, body);
        expect(r.status, `${proc} ${r.text}`).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.json.error.message, proc).toMatch(message);
      }
      const after = JSON.parse(state()) as Record<string, unknown>;
      const was = JSON.parse(before) as Record<string, unknown>;
      expect(Object.keys(after).filter((t) => JSON.stringify(after[t]) !== JSON.stringify(was[t]))).toEqual([]);
    });
  }
});
