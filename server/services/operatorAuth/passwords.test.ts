import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../core/passwords';
import { hashToken } from '../../core/tokens';
import { rawSqlite } from '../../store/testing';
import { openTestServices, totpCode, type TestServices } from '../../testing/harness';
import { SYSTEM_ACTOR, type Actor, type Services } from '../index';
import { createFirstAdmin, createOperator, TEMPORARY_PASSWORD_MS } from '../operatorAccounts';
import { completeEnrollment, completeLogin, login } from './login';
import { changeOwnPassword } from './passwordChange';
import { resetOperatorPassword, resetOperatorPasswordFromCli } from './passwordReset';

const meta = { ip: '192.0.2.7', userAgent: 'test' };
const START = 'starting password 2026';
const MINE = 'my very own passphrase';
const ADMIN_PASSWORD = 'the admin passphrase 1';

let now: number;
let t: TestServices;
let s: Services;

beforeEach(() => {
  now = Date.UTC(2026, 5, 1, 9, 0, 10);
  t = openTestServices({ prefix: 'tessera-oppw-', clock: () => now });
  s = t.services;
});
afterEach(() => t.close());

interface Signed {
  id: string;
  username: string;
  secret: string;
  sessionId: string;
}

/** Created by an admin with START, first sign-in (enrolls a TOTP): the session that follows. */
async function newOperator(username: string, role: 'admin' | 'helpdesk' | 'auditor' = 'helpdesk'): Promise<Signed> {
  const view = await createOperator(s, { username, role, password: START }, SYSTEM_ACTOR);
  const step = await login(s, { username, password: START }, meta);
  if (step.next !== 'enroll') throw new Error('expected enrollment');
  const session = completeEnrollment(s, { ticket: step.ticket, code: totpCode({ secret: step.secret }, now) }, meta);
  return { id: view.id, username, secret: step.secret, sessionId: session.sessionId };
}

/** Password and a fresh code (the clock moves one step first, so the code is new). */
async function signInAgain(op: Signed, password: string): Promise<string> {
  now += 30_000;
  const step = await login(s, { username: op.username, password }, meta);
  if (step.next !== 'totp') throw new Error(`expected a code step, got ${step.next}`);
  return completeLogin(s, { ticket: step.ticket, code: totpCode({ secret: op.secret }, now) }, meta).sessionId;
}

/** An active admin with their own password, signed in. */
async function firstAdmin(): Promise<Signed & { actor: Actor }> {
  const { id, username } = await createFirstAdmin(s, { username: 'root', password: ADMIN_PASSWORD }, SYSTEM_ACTOR);
  const step = await login(s, { username, password: ADMIN_PASSWORD }, meta);
  if (step.next !== 'enroll') throw new Error('expected enrollment');
  const session = completeEnrollment(s, { ticket: step.ticket, code: totpCode({ secret: step.secret }, now) }, meta);
  return { id, username, secret: step.secret, sessionId: session.sessionId, actor: { kind: 'operator', id, name: username, ip: meta.ip } };
}

/** What a refused call must leave as it was: the operator's row (but its throttle), their sessions, and (unless said) the log. */
function stateOf(id: string) {
  const { failures: _f, last_failure_at: _l, ...row } = s.store.operators.findById(id)!;
  const sessions = rawSqlite(s.store.db).prepare('SELECT id_hash FROM sessions WHERE operator_id = ? ORDER BY id_hash').all(id);
  return { row, sessions, audit: s.store.audit.stats().count };
}

const actions = (from: number) => s.audit.query({ order: 'asc', limit: 100 }).items.slice(from);

describe('a starting password is temporary', () => {
  it('an admin-created operator must change it, within 7 days; a first admin chose their own', async () => {
    const view = await createOperator(s, { username: 'hal', role: 'helpdesk', password: START }, SYSTEM_ACTOR);
    expect(view).toMatchObject({ mustChangePassword: true, temporaryPasswordExpiresAt: new Date(now + TEMPORARY_PASSWORD_MS).toISOString() });
    expect(s.store.operators.findById(view.id)).toMatchObject({ password_must_change: 1, password_expires_at: now + TEMPORARY_PASSWORD_MS });
    const admin = await createFirstAdmin(s, { username: 'root', password: ADMIN_PASSWORD }, SYSTEM_ACTOR).catch(() => null);
    expect(admin).toBeNull(); // an operator exists already: init refuses
    const t2 = openTestServices({ prefix: 'tessera-oppw2-' });
    try {
      const first = await createFirstAdmin(t2.services, { username: 'root', password: ADMIN_PASSWORD }, SYSTEM_ACTOR);
      expect(t2.services.store.operators.findById(first.id)).toMatchObject({ password_must_change: 0, password_expires_at: null });
    } finally {
      t2.close();
    }
  });

  it('past its expiry it no longer signs in, with a reason in words, audited', async () => {
    await createOperator(s, { username: 'late', role: 'auditor', password: START }, SYSTEM_ACTOR);
    now += TEMPORARY_PASSWORD_MS;
    const seq = s.store.audit.stats().count;
    await expect(login(s, { username: 'late', password: START }, meta)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'This temporary password has expired. Ask an administrator to reset your password again.',
    });
    expect(actions(seq)).toMatchObject([{ action: 'operator.login', outcome: 'failure', reason: 'temporary_password_expired' }]);
    // A wrong password still gets the generic answer.
    await expect(login(s, { username: 'late', password: 'not the password at all' }, meta)).rejects.toThrow('Wrong username or password');
  });

  it('a new password is refused when it breaks the rules, including the username', async () => {
    await expect(createOperator(s, { username: 'carol', role: 'auditor', password: 'carol-password-2026' }, SYSTEM_ACTOR)).rejects.toMatchObject({
      code: 'bad_request',
      message: 'Do not use your username in your password.',
    });
    expect(s.store.operators.count()).toBe(0);
  });
});

describe('changeOwnPassword', () => {
  it('stores the new hash, clears the forced change, ends their other sessions (not this one), one entry', async () => {
    const op = await newOperator('hal');
    const other = await signInAgain(op, START);
    const seq = s.store.audit.stats().count;
    const view = await changeOwnPassword(s, { operatorId: op.id, sessionId: op.sessionId }, { currentPassword: START, newPassword: MINE }, meta);
    expect(view).toMatchObject({ mustChangePassword: false, temporaryPasswordExpiresAt: null, passwordChangedAt: new Date(now).toISOString() });
    const row = s.store.operators.findById(op.id)!;
    expect(row).toMatchObject({ password_must_change: 0, password_expires_at: null, password_changed_at: now });
    expect(await verifyPassword(MINE, row.password_hash!)).toBe(true);
    expect(await verifyPassword(START, row.password_hash!)).toBe(false);
    expect(s.store.sessions.find(hashToken(op.sessionId))).toBeDefined();
    expect(s.store.sessions.find(hashToken(other))).toBeUndefined();
    expect(actions(seq)).toMatchObject([
      { action: 'operator.password.change', outcome: 'success', actor: { name: 'hal' }, details: { operatorId: op.id, forced: true, sessionsEnded: 1 } },
    ]);
    // The old password is gone, the new one signs in (with the same authenticator).
    await expect(login(s, { username: 'hal', password: START }, meta)).rejects.toThrow('Wrong username or password');
    await signInAgain(op, MINE);
    // A later change is not forced.
    const seq2 = s.store.audit.stats().count;
    await changeOwnPassword(s, { operatorId: op.id, sessionId: op.sessionId }, { currentPassword: MINE, newPassword: 'yet another passphrase' }, meta);
    expect(actions(seq2)).toMatchObject([{ action: 'operator.password.change', details: { forced: false, sessionsEnded: 1 } }]);
  });

  it('refuses a weak, unchanged or username password before any hash, with words on the field; nothing changes, nothing is written', async () => {
    const op = await newOperator('hal');
    const before = stateOf(op.id);
    const who = { operatorId: op.id, sessionId: op.sessionId };
    const cases: [string, string][] = [
      ['short', 'Use at least 12 characters.'],
      ['xxxxxxxxxxxxxxxx', 'Do not repeat a single character.'],
      ['HAL is my password', 'Do not use your username in your password.'],
      [START, 'Choose a new password: this one was set for you, so someone else knows it.'],
    ];
    for (const [newPassword, message] of cases) {
      await expect(changeOwnPassword(s, who, { currentPassword: START, newPassword }, meta)).rejects.toMatchObject({
        code: 'bad_request',
        fields: [{ path: 'newPassword', message }],
      });
    }
    expect(stateOf(op.id)).toEqual(before);
  });

  it('a wrong current password is refused on its field, counted and audited as a re-authentication; the password stays', async () => {
    const op = await newOperator('hal');
    const other = await signInAgain(op, START);
    const hashBefore = s.store.operators.findById(op.id)!.password_hash;
    const seq = s.store.audit.stats().count;
    await expect(
      changeOwnPassword(s, { operatorId: op.id, sessionId: op.sessionId }, { currentPassword: 'not my password!', newPassword: MINE }, meta),
    ).rejects.toMatchObject({ code: 'invalid_code', fields: [{ path: 'currentPassword', message: 'That is not your current password.' }] });
    const row = s.store.operators.findById(op.id)!;
    expect(row).toMatchObject({ password_hash: hashBefore, password_must_change: 1, failures: 1 });
    expect(s.store.sessions.find(hashToken(other))).toBeDefined();
    expect(actions(seq)).toMatchObject([{ action: 'operator.reauth', outcome: 'failure', reason: 'wrong_password' }]);
  });

  it('a sign-in begun with the old password cannot be finished after the change', async () => {
    const op = await newOperator('hal');
    now += 30_000;
    const pending = await login(s, { username: 'hal', password: START }, meta);
    await changeOwnPassword(s, { operatorId: op.id, sessionId: op.sessionId }, { currentPassword: START, newPassword: MINE }, meta);
    expect(() => completeLogin(s, { ticket: pending.ticket, code: totpCode({ secret: op.secret }, now) }, meta)).toThrow(/start again/);
  });
});

describe('resetOperatorPassword (an admin, from the console)', () => {
  it('a generated temporary password, shown once: their sessions end, the lock clears, they must change it, their TOTP stays', async () => {
    const admin = await firstAdmin();
    const op = await newOperator('hal');
    await changeOwnPassword(s, { operatorId: op.id, sessionId: op.sessionId }, { currentPassword: START, newPassword: MINE }, meta);
    s.store.operators.update(op.id, { failures: 10, locked_until: now + 60_000 });
    const seq = s.store.audit.stats().count;
    const r = await resetOperatorPassword(s, admin, { id: op.id, reauth: { password: ADMIN_PASSWORD } }, meta, admin.actor);
    expect(r.temporaryPassword).toMatch(/^[a-hj-km-np-z2-9]{5}(-[a-hj-km-np-z2-9]{5}){3}$/);
    expect(r).toMatchObject({ sessionsEnded: 1, expiresAt: new Date(now + TEMPORARY_PASSWORD_MS).toISOString(), operator: { mustChangePassword: true } });
    const row = s.store.operators.findById(op.id)!;
    expect(row).toMatchObject({ password_must_change: 1, failures: 0, locked_until: null, status: 'active' });
    expect(row.totp_sealed).not.toBeNull();
    expect(await verifyPassword(r.temporaryPassword!, row.password_hash!)).toBe(true);
    expect(s.store.sessions.find(hashToken(op.sessionId))).toBeUndefined();
    expect(actions(seq)).toMatchObject([
      {
        action: 'operator.password.reset',
        actor: { kind: 'operator', name: 'root' },
        details: { operatorId: op.id, operator: 'hal', role: 'helpdesk', generated: true, sessionsEnded: 1, unlocked: true },
      },
    ]);
    // The temporary password is in no entry.
    expect(JSON.stringify(s.audit.query({ order: 'asc', limit: 100 }).items)).not.toContain(r.temporaryPassword!);
    // Signing in with it still asks for their own authenticator's code.
    const step = await login(s, { username: 'hal', password: r.temporaryPassword! }, meta);
    expect(step.next).toBe('totp');
  });

  it('a typed one follows the rules; the admin re-authenticates; their own password goes through the profile; nothing changes on a refusal', async () => {
    const admin = await firstAdmin();
    const other = await newOperator('ops-admin', 'admin');
    const before = stateOf(other.id);
    const reset = (input: Parameters<typeof resetOperatorPassword>[2]) => resetOperatorPassword(s, admin, input, meta, admin.actor);
    await expect(reset({ id: other.id, password: 'short', reauth: { password: ADMIN_PASSWORD } })).rejects.toMatchObject({
      code: 'bad_request',
      fields: [{ path: 'password', message: 'Use at least 12 characters.' }],
    });
    await expect(reset({ id: admin.id, reauth: { password: ADMIN_PASSWORD } })).rejects.toMatchObject({
      code: 'conflict',
      message: 'To change your own password, use your profile page.',
    });
    await expect(reset({ id: 'no-such-operator', reauth: { password: ADMIN_PASSWORD } })).rejects.toMatchObject({ code: 'not_found' });
    expect(stateOf(other.id)).toEqual(before);
    // A wrong re-authentication: refused on its field, the target untouched (one failure entry, the admin's).
    await expect(reset({ id: other.id, reauth: { password: 'not the admin password' } })).rejects.toMatchObject({
      code: 'invalid_code',
      fields: [{ path: 'reauth', message: expect.stringContaining('not your current password') }],
    });
    expect(stateOf(other.id).row).toEqual(before.row);
    expect(s.store.sessions.find(hashToken(other.sessionId))).toBeDefined();
    // A code works as re-authentication too, once.
    now += 30_000;
    const code = totpCode({ secret: admin.secret }, now);
    const typed = 'a typed temporary one';
    const r = await reset({ id: other.id, password: typed, reauth: { code } });
    expect(r.temporaryPassword).toBeNull();
    expect(await verifyPassword(typed, s.store.operators.findById(other.id)!.password_hash!)).toBe(true);
    await expect(reset({ id: other.id, reauth: { code } })).rejects.toMatchObject({ code: 'invalid_code', message: /already used/ });
  });

  it('from the CLI: by name, no re-authentication, the temporary password returned to print', async () => {
    const op = await newOperator('hal');
    const cli: Actor = { kind: 'system', id: null, name: 'cli:root', ip: null };
    const r = await resetOperatorPasswordFromCli(s, 'HAL', undefined, cli);
    expect(r).toMatchObject({ operator: { username: 'hal', mustChangePassword: true }, sessionsEnded: 1 });
    expect(await verifyPassword(r.temporaryPassword, s.store.operators.findById(op.id)!.password_hash!)).toBe(true);
    await expect(resetOperatorPasswordFromCli(s, 'nobody', undefined, cli)).rejects.toMatchObject({ code: 'not_found' });
  });
});
