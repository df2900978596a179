import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { TesseraError } from '../../../shared/errors';
import { SYSTEM_ACTOR } from '../../services/index';
import { createOperator } from '../../services/operatorAccounts';
import { completeEnrollment, login } from '../../services/operatorAuth/login';
import { startTestServer, totpCode, type TestServer } from '../../testing/harness';
import { createContextInner } from './context';
import { createCallerFactory } from './init';
import { appRouter } from './router';

/**
 * An operator whose password someone else set can, once signed in, do
 * nothing but choose their own (or sign out): enforced by the server for
 * every procedure and console route, not only by the console's screen.
 */

const START = 'starting password 2026';
let t: TestServer;
let cookie: string;
let sessionId: string;
let operatorId: string;

interface ProcedureDef {
  _def: { type: 'query' | 'mutation'; meta?: { roles: string; beforePasswordChange?: boolean } };
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;
const ALLOWED = ['auth.logout', 'profile.changePassword'];

beforeAll(async () => {
  t = await startTestServer();
  // An admin (every role set allows them): the refusal must come from the password, not the role.
  const view = await createOperator(t.services, { username: 'new-admin', role: 'admin', password: START }, SYSTEM_ACTOR);
  operatorId = view.id;
  const meta = { ip: null, userAgent: null };
  const step = await login(t.services, { username: 'new-admin', password: START }, meta);
  if (step.next !== 'enroll') throw new Error('expected enrollment');
  sessionId = completeEnrollment(t.services, { ticket: step.ticket, code: totpCode({ secret: step.secret }, t.clock.now()) }, meta).sessionId;
  cookie = `tessera_session=${sessionId}`;
});
afterAll(async () => {
  await t.close();
});

function caller() {
  const operator = t.services.store.operators.findById(operatorId)!;
  return createCallerFactory(appRouter)(createContextInner(t.services, { session: { id: sessionId, operator }, sameOriginRequest: true }));
}

async function codeOf(dotted: string): Promise<string> {
  let target: unknown = caller();
  for (const p of dotted.split('.')) target = (target as Record<string, unknown>)[p];
  try {
    await (target as (input: unknown) => Promise<unknown>)({ __probe: true });
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCError && err.cause instanceof TesseraError) return err.cause.code;
    return err instanceof TRPCError ? err.code : `THROWN:${String(err)}`;
  }
}

describe('password_change_required', () => {
  it('only signing out and changing the password are marked callable before the change', () => {
    const marked = Object.entries(procedures)
      .filter(([, d]) => d._def.meta?.beforePasswordChange)
      .map(([n]) => n)
      .sort();
    expect(marked).toEqual(ALLOWED);
  });

  it('every other operator procedure refuses with the stable code, before reading its input', async () => {
    const refused: string[] = [];
    const operatorProcedures = Object.entries(procedures).filter(([n, d]) => d._def.meta?.roles !== 'public' && !ALLOWED.includes(n));
    expect(operatorProcedures.length).toBeGreaterThan(50);
    for (const [name] of operatorProcedures) {
      const code = await codeOf(name);
      if (code !== 'password_change_required') refused.push(`${name}: ${code}`);
    }
    expect(refused).toEqual([]);
  });

  it('over HTTP: tRPC and the console routes answer 403 password_change_required; auth.me says why', async () => {
    const headers = { cookie, 'x-tessera-csrf': '1' };
    const list = await t.call('GET', '/trpc/users.list?input=%7B%7D', { headers });
    expect(list.status).toBe(403);
    expect(list.json.error).toMatchObject({ data: { tesseraCode: 'password_change_required' }, message: expect.stringContaining('Choose a new password') });
    const created = await t.call('POST', '/trpc/users.create', { headers, body: { username: 'should-not-exist' } });
    expect(created.status).toBe(403);
    expect(t.services.store.users.findByKey('should-not-exist')).toBeUndefined();
    const exported = await t.call('GET', '/console/audit/export?format=csv', { headers });
    expect(exported.status).toBe(403);
    expect(exported.text).toContain('password_change_required');
    const me = await t.call('GET', '/trpc/auth.me', { headers });
    expect(me.json.result.data.operator).toMatchObject({ username: 'new-admin', mustChangePassword: true });
  });

  it('a wrong current password changes nothing; the right one lifts the restriction on this session', async () => {
    const headers = { cookie, 'x-tessera-csrf': '1' };
    const hash = t.services.store.operators.findById(operatorId)!.password_hash;
    const wrong = await t.call('POST', '/trpc/profile.changePassword', {
      headers,
      body: { currentPassword: 'wrong password!!', newPassword: 'my own passphrase 1' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.data).toMatchObject({
      tesseraCode: 'invalid_code',
      fields: [{ path: 'currentPassword', message: 'That is not your current password.' }],
    });
    expect(t.services.store.operators.findById(operatorId)).toMatchObject({ password_hash: hash, password_must_change: 1 });

    const ok = await t.call('POST', '/trpc/profile.changePassword', { headers, body: { currentPassword: START, newPassword: 'my own passphrase 1' } });
    expect(ok.status).toBe(200);
    expect(ok.json.result.data).toMatchObject({ mustChangePassword: false });
    const list = await t.call('GET', '/trpc/users.list?input=%7B%7D', { headers });
    expect(list.status).toBe(200);
  });
});
