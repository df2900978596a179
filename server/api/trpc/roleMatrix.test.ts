import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { openTessera } from '../../tessera';
import type { Services } from '../../services/index';
import type { OperatorRole } from '../../../shared/schemas/operators';
import { usernameKey } from '../../../shared/schemas/text';
import { appRouter } from './router';
import { createCallerFactory } from './init';
import { createContextInner } from './context';

type Who = OperatorRole | 'nobody';
const ALL: OperatorRole[] = ['admin', 'helpdesk', 'auditor'];
const STAFF: OperatorRole[] = ['admin', 'helpdesk'];
const AUDIT: OperatorRole[] = ['admin', 'auditor'];
const ADMIN: OperatorRole[] = ['admin'];
const PUBLIC = 'public' as const;

/**
 * Who may call what — written out by hand, on purpose, apart from the
 * procedure builders: a procedure built with the wrong builder, or a new
 * procedure nobody decided about, fails this test.
 */
const EXPECTED: Record<string, OperatorRole[] | typeof PUBLIC> = {
  'system.info': PUBLIC,
  'system.setupTokenValid': PUBLIC,
  'auth.me': PUBLIC,
  'auth.setup': PUBLIC,
  'auth.login': PUBLIC,
  'auth.completeLogin': PUBLIC,
  'auth.completeEnrollment': PUBLIC,
  'auth.webauthnOptions': PUBLIC,
  'auth.completeWebauthnLogin': PUBLIC,
  'auth.logout': ALL,
  'dashboard.stats': AUDIT,
  'users.list': ALL,
  'users.get': ALL,
  'users.count': ALL,
  'users.create': ADMIN,
  'users.delete': ADMIN,
  'users.unlock': STAFF,
  'users.reset': STAFF,
  'users.enrollOtp': STAFF,
  'users.confirmFactor': STAFF,
  'users.deleteFactor': STAFF,
  'users.resyncHotp': STAFF,
  'users.renameFactor': STAFF,
  'users.issueRecoveryCodes': STAFF,
  'settings.get': AUDIT,
  'settings.update': ADMIN,
  'settings.methodUsage': AUDIT,
  'apiKeys.list': AUDIT,
  'apiKeys.create': ADMIN,
  'apiKeys.revoke': ADMIN,
  'apiKeys.getWebauthn': AUDIT,
  'apiKeys.setWebauthn': ADMIN,
  'operators.list': AUDIT,
  'operators.create': ADMIN,
  'operators.update': ADMIN,
  'audit.query': AUDIT,
  'audit.forUser': ALL,
  'audit.count': AUDIT,
  'audit.actions': AUDIT,
  'audit.verify': AUDIT,
  'jobs.get': ALL,
  'jobs.cancel': ALL,
  'profile.webauthn.list': ALL,
  'profile.webauthn.registrationOptions': ALL,
  'profile.webauthn.verifyRegistration': ALL,
  'profile.webauthn.remove': ALL,
};

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { roles: string } };
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;
const createCaller = createCallerFactory(appRouter);

let dir: string;
let services: Services;
const operatorIds = new Map<OperatorRole, string>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-roles-'));
  services = openTessera({ dataDir: dir });
  for (const role of ALL) {
    const id = randomUUID();
    services.store.operators.insert({ id, username: `op-${role}`, username_key: usernameKey(`op-${role}`), display_name: null, role, password_hash: null, status: 'active', created_at: Date.now() });
    operatorIds.set(role, id);
  }
});

afterAll(() => {
  services.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function callerFor(who: Who) {
  const session = who === 'nobody' ? null : { id: 'test-session', operator: services.store.operators.findById(operatorIds.get(who)!)! };
  return createCaller(createContextInner(services, { session, sameOriginRequest: true }));
}

/** Calls a procedure by its dotted path with junk input; returns the tRPC error code, or 'OK'. */
async function attempt(who: Who, dotted: string): Promise<string> {
  const parts = dotted.split('.');
  let target: unknown = callerFor(who);
  for (const p of parts) target = (target as Record<string, unknown>)[p];
  try {
    // Deliberately invalid input: role checks must run before input parsing, so a
    // denied caller learns nothing about the input shape.
    await (target as (input: unknown) => Promise<unknown>)({ __probe: true });
    return 'OK';
  } catch (err) {
    return err instanceof TRPCError ? err.code : `THROWN:${String(err)}`;
  }
}

describe('role matrix: every procedure × every role and nobody', () => {
  it('every procedure has a decided role set, and none is decided for a procedure that does not exist', () => {
    expect(Object.keys(procedures).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, allowed] of Object.entries(EXPECTED)) {
    for (const who of ['nobody', ...ALL] as Who[]) {
      const mayCall = allowed === PUBLIC || (who !== 'nobody' && allowed.includes(who));
      it(`${name} as ${who}: ${mayCall ? 'allowed' : 'denied'}`, async () => {
        const code = await attempt(who, name);
        if (mayCall) {
          expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(code);
        } else {
          expect(code).toBe(who === 'nobody' ? 'UNAUTHORIZED' : 'FORBIDDEN');
        }
      });
    }
  }

  it('the builders agree with the table (meta.roles names the role set)', () => {
    for (const [name, def] of Object.entries(procedures)) {
      const expected = EXPECTED[name];
      expect(def._def.meta?.roles, name).toBeDefined();
      if (expected === PUBLIC) expect(def._def.meta?.roles, name).toBe('public');
      else expect(def._def.meta?.roles, name).not.toBe('public');
    }
  });

  it('mutations are refused without the CSRF header even for an admin', async () => {
    const session = { id: 'test-session', operator: services.store.operators.findById(operatorIds.get('admin')!)! };
    const caller = createCaller(createContextInner(services, { session, sameOriginRequest: false }));
    await expect(caller.users.create({ username: 'csrf-victim' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(services.store.users.findByKey('csrf-victim')).toBeUndefined();
  });
});
