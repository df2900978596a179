import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import type { Services } from '../../services/index';
import type { OperatorRole } from '../../../shared/schemas/operators';
import { usernameKey } from '../../../shared/schemas/text';
import { appRouter } from './router';
import { createCallerFactory } from './init';
import { createContextInner } from './context';
import { SYSTEM_ACTOR, verify } from '../../services/index';
import { createApiKey } from '../../services/apiKeys';
import { createOperator } from '../../services/operatorAccounts';
import { JobRegistry } from '../console/jobs';
import { hotpCode, openTestServices, totpCode, type TestServices } from '../../testing/harness';
import { SoftAuthenticator } from '../../testing/softAuthenticator';
import { hashToken } from '../../core/tokens';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtpServer';
import { startGatewayServer, type TestGatewayServer } from '../../testing/gatewayServer';
import { updateSettings } from '../../services/settings';
import { setSmsTransport, setSmtpTransport } from '../../services/delivery/transports';
import { applyDirectorySync, setDirectoryConfig } from '../../services/directory/index';
import { BIND_DN, BIND_PASSWORD, BASE_DN, startSlapd, type TestSlapd } from '../../testing/slapd';
import { addRadiusClient } from '../../services/radius/clients';

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
  'auth.session': ALL,
  'auth.staySignedIn': ALL,
  'dashboard.stats': AUDIT,
  'dashboard.gettingStarted': AUDIT,
  'users.list': ALL,
  'users.get': ALL,
  'users.count': ALL,
  'users.create': ADMIN,
  'users.delete': ADMIN,
  'users.unlock': STAFF,
  'users.reset': STAFF,
  // Issue 18: helpdesk resets lost devices (one or a selection); disabling and enabling users is account management, for admins.
  'users.bulkReset': STAFF,
  'users.bulkDisable': ADMIN,
  'users.bulkEnable': ADMIN,
  'users.enrollOtp': STAFF,
  'users.confirmFactor': STAFF,
  'users.enrollDelivered': STAFF,
  'users.resendCode': STAFF,
  'users.issueTemporaryCode': STAFF,
  'users.revokeTemporaryCode': STAFF,
  'users.update': STAFF,
  'users.revokeDevice': STAFF,
  'users.revokeAllDevices': STAFF,
  'users.deleteFactor': STAFF,
  'users.resyncHotp': STAFF,
  'users.renameFactor': STAFF,
  'users.issueRecoveryCodes': STAFF,
  'settings.get': AUDIT,
  'settings.update': ADMIN,
  'settings.methodUsage': AUDIT,
  'settings.delivery': AUDIT,
  'settings.userPageOptions': ALL,
  'settings.setSmtp': ADMIN,
  'settings.setSms': ADMIN,
  'settings.testEmail': ADMIN,
  'settings.testSms': ADMIN,
  'apiKeys.list': AUDIT,
  'apiKeys.create': ADMIN,
  'apiKeys.revoke': ADMIN,
  'apiKeys.getWebauthn': AUDIT,
  'apiKeys.setWebauthn': ADMIN,
  'operators.list': AUDIT,
  'operators.create': ADMIN,
  'operators.update': ADMIN,
  'operators.resetPassword': ADMIN,
  'audit.query': AUDIT,
  'audit.forUser': ALL,
  'audit.count': AUDIT,
  'audit.actions': AUDIT,
  'audit.verify': AUDIT,
  'jobs.get': ALL,
  'jobs.cancel': ALL,
  'profile.changePassword': ALL,
  'profile.webauthn.list': ALL,
  'profile.webauthn.registrationOptions': ALL,
  'profile.webauthn.verifyRegistration': ALL,
  'profile.webauthn.remove': ALL,
  'directory.get': AUDIT,
  'directory.set': ADMIN,
  'directory.test': ADMIN,
  'directory.planSync': ADMIN,
  'directory.applySync': ADMIN,
  'directory.groupWithoutFactor': STAFF,
  'directory.groups': STAFF,
  'radius.list': AUDIT,
  'radius.status': AUDIT,
  'radius.add': ADMIN,
  'radius.update': ADMIN,
  'radius.remove': ADMIN,
};

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { roles: string } };
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;
const createCaller = createCallerFactory(appRouter);

let t: TestServices;
let services: Services;
const operatorIds = new Map<OperatorRole, string>();
const passwordOperatorIds = new Map<OperatorRole, string>();

const PASSWORD = 'role matrix password 2026';

let smtp: TestSmtpServer;
let gateway: TestGatewayServer;
let slapd: TestSlapd;

/** The directory the directory.* cases use: a real slapd with a few users. */
function directoryInput() {
  return {
    url: slapd.url,
    tls: 'none' as const,
    bindDn: BIND_DN,
    bindPassword: BIND_PASSWORD,
    baseDn: BASE_DN,
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: { preset: 'openldap' as const },
  };
}

/** The code in the latest mail to `to` (the SMTP server is real; the code is read as a user would). */
function codeMailedTo(to: string): string {
  const mail = [...smtp.messages].reverse().find((m) => JSON.stringify(m.to).includes(to));
  const code = mail?.text?.match(/\b(\d{6,8})\b/)?.[1];
  if (!code) throw new Error(`no code was mailed to ${to}`);
  return code;
}

beforeAll(async () => {
  t = openTestServices({ prefix: 'tessera-roles-' });
  services = t.services;
  smtp = await startSmtpServer();
  gateway = await startGatewayServer((_req, res) => res.end('{"ok":true}'));
  slapd = await startSlapd({ users: 30 });
  setDirectoryConfig(services, directoryInput(), SYSTEM_ACTOR);
  setSmtpTransport(
    services,
    { host: '127.0.0.1', port: smtp.port, tls: 'none', username: null, from: 'mfa@example.org', verifyCertificate: true, timeoutMs: 5000 },
    SYSTEM_ACTOR,
  );
  setSmsTransport(
    services,
    {
      profile: 'http',
      url: gateway.url,
      headers: [],
      bodyFormat: 'json',
      bodyTemplate: '{"to":"{{to}}","text":"{{message}}"}',
      successStatuses: [],
      successBodyContains: '',
      timeoutMs: 5000,
    },
    SYSTEM_ACTOR,
  );
  // Each case sends to a user of its own, but many cases run in one second: no resend wait here.
  updateSettings(services, { methods: { email: true, sms: true }, resendSeconds: 0, sendLimitPerUser: 100, rememberDevices: true }, SYSTEM_ACTOR);
  for (const role of ALL) {
    const id = randomUUID();
    services.store.operators.insert({
      id,
      username: `op-${role}`,
      username_key: usernameKey(`op-${role}`),
      display_name: null,
      role,
      password_hash: null,
      status: 'active',
      created_at: Date.now(),
    });
    operatorIds.set(role, id);
  }
  // One operator per role with a password, for the calls that re-authenticate (profile keys).
  for (const role of ALL) {
    const view = await createOperator(services, { username: `pw-${role}`, role, password: PASSWORD }, SYSTEM_ACTOR);
    // Their own password from here on (a created operator must otherwise replace the starting one first).
    services.store.operators.update(view.id, { status: 'active', password_must_change: 0, password_expires_at: null });
    passwordOperatorIds.set(role, view.id);
  }
});

afterAll(async () => {
  t.close();
  await smtp.close();
  await gateway.close();
  await slapd?.stop();
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

/**
 * The allowed calls, each with valid input: they succeed and answer what
 * they should (not only "not 401/403"). Every call sets up what it needs
 * under names of its own, so the cases are independent of each other.
 */
const ORIGIN = 'http://localhost:8787';
type Caller = ReturnType<typeof createCaller>;
interface Ctx {
  who: Who;
  caller: Caller;
  jobs: JobRegistry;
  /** The signed-in operator's id (null for nobody). */
  operatorId: string | null;
  /** A name unique to this case. */
  name: (what: string) => string;
}

let unique = 0;
function ctxFor(who: Who, withPassword = false): Ctx {
  const ids = withPassword ? passwordOperatorIds : operatorIds;
  const operatorId = who === 'nobody' ? null : ids.get(who)!;
  const session = operatorId === null ? null : { id: `session-${who}`, operator: services.store.operators.findById(operatorId)! };
  const jobs = new JobRegistry();
  const caller = createCaller(createContextInner(services, { session, sameOriginRequest: true, origin: ORIGIN, jobs }));
  return { who, caller, jobs, operatorId, name: (what) => `${what}-${who}-${++unique}` };
}

async function userWith(c: Ctx, type?: 'totp' | 'hotp'): Promise<{ username: string; factorId: string; secret: string }> {
  const username = c.name('user');
  await ctxFor('admin').caller.users.create({ username });
  if (!type) return { username, factorId: '', secret: '' };
  const helpdesk = ctxFor('helpdesk').caller;
  const f = await helpdesk.users.enrollOtp({ username, factor: { type } });
  const params = { secret: f.secret, algorithm: 'SHA1', digits: 6, period: 30 } as const;
  await helpdesk.users.confirmFactor({ username, factorId: f.id, code: type === 'totp' ? totpCode(params, Date.now()) : hotpCode(params, 0) });
  return { username, factorId: f.id, secret: f.secret };
}

/** A user with a TOTP factor and one device an application asked to remember. */
async function userWithDevice(c: Ctx): Promise<{ username: string; deviceId: string }> {
  const { username, secret } = await userWith(c, 'totp');
  const key = createApiKey(services, { name: c.name('app'), scopes: ['verify'] }, SYSTEM_ACTOR);
  const app = { kind: 'apikey' as const, id: key.id, name: key.name, ip: null };
  const params = { secret, algorithm: 'SHA1', digits: 6, period: 30 } as const;
  const r = await verify(services, { user: username, code: totpCode(params, Date.now() + 30_000), remember: { label: 'Work laptop' } }, app);
  if (!r.ok || !r.deviceId) throw new Error(`no device remembered: ${JSON.stringify(r)}`);
  return { username, deviceId: r.deviceId };
}

/** The session row behind ctxFor's session id (`session-<who>`), so the session procedures find it. */
function storedSession(c: Ctx): void {
  const idHash = hashToken(`session-${c.who}`);
  if (services.store.sessions.find(idHash)) return services.store.sessions.touch(idHash, Date.now());
  const now = Date.now();
  services.store.sessions.insert({
    id_hash: idHash,
    operator_id: c.operatorId!,
    created_at: now,
    last_seen_at: now,
    expires_at: now + 12 * 3_600_000,
    ip: null,
    user_agent: null,
  });
}

const radiusClient = (c: Ctx, label: string) =>
  addRadiusClient(services, { name: c.name(label), address: '192.0.2.10', secret: 'a-long-radius-secret-1' }, SYSTEM_ACTOR);

const SUCCEEDS: Record<string, (c: Ctx) => Promise<void>> = {
  'radius.list': async (c) => {
    const { id } = radiusClient(c, 'nas-listed');
    expect((await c.caller.radius.list()).map((r) => r.id)).toContain(id);
  },
  'radius.status': async (c) => {
    // No listener in this process: the status says so.
    expect(await c.caller.radius.status()).toMatchObject({ listening: false, port: null, counters: null });
  },
  'radius.add': async (c) => {
    const name = c.name('nas');
    expect(await c.caller.radius.add({ name, address: '198.51.100.0/24', secret: 'another-radius-secret', mode: 'challenge' })).toMatchObject({
      name,
      mode: 'challenge',
      requireMessageAuthenticator: true,
    });
  },
  'radius.update': async (c) => {
    const { id } = radiusClient(c, 'nas-updated');
    expect(await c.caller.radius.update({ id, mode: 'challenge' })).toMatchObject({ id, mode: 'challenge' });
  },
  'radius.remove': async (c) => {
    const { id } = radiusClient(c, 'nas-removed');
    expect(await c.caller.radius.remove({ id })).toMatchObject({ id });
  },
  'users.revokeDevice': async (c) => {
    const { username, deviceId } = await userWithDevice(c);
    expect(await c.caller.users.revokeDevice({ username, deviceId, reason: 'laptop stolen' })).toEqual({ ok: true });
    expect((await c.caller.users.get({ username })).rememberedDevices).toEqual([]);
  },
  'users.revokeAllDevices': async (c) => {
    const { username } = await userWithDevice(c);
    expect(await c.caller.users.revokeAllDevices({ username, reason: 'left the company' })).toEqual({ revoked: 1 });
  },
  'system.info': async ({ caller }) =>
    expect(await caller.system.info()).toMatchObject({ version: expect.any(String), issuer: expect.any(String), needsSetup: false }),
  'system.setupTokenValid': async ({ caller }) => expect(await caller.system.setupTokenValid({ token: 'no-such-token' })).toEqual({ valid: false }),
  'auth.me': async ({ caller, who }) =>
    expect(await caller.auth.me()).toEqual(who === 'nobody' ? null : { operator: expect.objectContaining({ username: `op-${who}`, role: who }) }),
  'auth.login': async ({ caller, who }) => {
    const login = caller.auth.login({ username: 'pw-auditor', password: PASSWORD });
    // Signed in already: the answer is a conflict that says so (the console shows it), not a second session.
    if (who !== 'nobody') return void (await expect(login).rejects.toMatchObject({ code: 'CONFLICT', message: 'You are already signed in' }));
    expect(await login).toMatchObject({ next: 'enroll', ticket: expect.any(String), secret: expect.any(String) });
  },
  'auth.logout': async ({ caller }) => expect(await caller.auth.logout()).toEqual({ ok: true }),
  'dashboard.stats': async ({ caller }) => expect(await caller.dashboard.stats({ days: 7 })).toMatchObject({ days: expect.any(Array) }),
  'auth.session': async (c) => {
    storedSession(c);
    expect(await c.caller.auth.session()).toMatchObject({ idleTimeoutMs: 30 * 60_000, idleRemainingMs: expect.any(Number) });
  },
  'auth.staySignedIn': async (c) => {
    storedSession(c);
    expect(await c.caller.auth.staySignedIn()).toMatchObject({ idleTimeoutMs: 30 * 60_000, idleRemainingMs: 30 * 60_000 });
  },
  'dashboard.gettingStarted': async ({ caller }) =>
    expect((await caller.dashboard.gettingStarted()).steps.map((s) => s.step)).toEqual(['issuer', 'methods', 'users', 'bulkUsers', 'apiClient', 'firstVerify']),
  'users.list': async (c) => {
    const { username } = await userWith(c);
    const page = await c.caller.users.list({ query: username });
    expect(page.items.map((u) => u.username)).toEqual([username]);
  },
  'users.get': async (c) => {
    const { username, factorId } = await userWith(c, 'totp');
    expect(await c.caller.users.get({ username })).toMatchObject({ username, factors: [expect.objectContaining({ id: factorId, status: 'active' })] });
  },
  'users.count': async ({ caller }) => {
    const counts = await caller.users.count();
    expect(counts).toEqual({ users: services.store.users.count(), usersWithoutFactor: expect.any(Number) });
    expect(counts.usersWithoutFactor).toBeLessThanOrEqual(counts.users);
  },
  'users.create': async (c) => {
    const username = c.name('created');
    expect(await c.caller.users.create({ username })).toMatchObject({ username });
    expect(services.store.users.findByKey(username)).toBeDefined();
  },
  'users.delete': async (c) => {
    const { username } = await userWith(c);
    expect(await c.caller.users.delete({ username, reason: 'left the company' })).toEqual({ ok: true });
    expect(services.store.users.findByKey(username)).toBeUndefined();
  },
  'users.unlock': async (c) => {
    const { username } = await userWith(c);
    expect(await c.caller.users.unlock({ username, reason: 'called the helpdesk' })).toMatchObject({ username });
  },
  'users.reset': async (c) => {
    const { username } = await userWith(c, 'totp');
    expect(await c.caller.users.reset({ username, reason: 'lost phone' })).toEqual({ factorsRemoved: 1, recoveryCodesRemoved: 0 });
  },
  'users.bulkReset': async (c) => {
    const a = await userWith(c, 'totp');
    const b = await userWith(c);
    expect(await c.caller.users.bulkReset({ usernames: [a.username, b.username], reason: 'lost phones' })).toEqual({
      action: 'reset',
      changed: [a.username, b.username],
      skipped: [],
      factorsRemoved: 1,
      recoveryCodesRemoved: 0,
    });
    expect((await c.caller.users.get({ username: a.username })).factors).toEqual([]);
  },
  'users.bulkDisable': async (c) => {
    const { username } = await userWith(c, 'totp');
    expect(await c.caller.users.bulkDisable({ usernames: [username], reason: 'left' })).toMatchObject({ action: 'disable', changed: [username] });
    expect(await c.caller.users.get({ username })).toMatchObject({ disabled: true, status: { state: 'disabled' } });
  },
  'users.bulkEnable': async (c) => {
    const { username } = await userWith(c, 'totp');
    await ctxFor('admin').caller.users.bulkDisable({ usernames: [username], reason: 'on leave' });
    expect(await c.caller.users.bulkEnable({ usernames: [username], reason: 'back' })).toMatchObject({ action: 'enable', changed: [username], skipped: [] });
    expect(await c.caller.users.get({ username })).toMatchObject({ disabled: false, status: { state: 'active' } });
  },
  'users.enrollOtp': async (c) => {
    const { username } = await userWith(c);
    expect(await c.caller.users.enrollOtp({ username, factor: { type: 'totp' } })).toMatchObject({
      type: 'totp',
      status: 'pending',
      secret: expect.any(String),
      otpauthUri: expect.stringMatching(/^otpauth:\/\/totp\//),
    });
  },
  'users.confirmFactor': async (c) => {
    const { username } = await userWith(c);
    const f = await c.caller.users.enrollOtp({ username, factor: { type: 'totp' } });
    const code = totpCode({ secret: f.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    expect(await c.caller.users.confirmFactor({ username, factorId: f.id, code })).toMatchObject({
      status: 'active',
      factor: expect.objectContaining({ id: f.id }),
    });
  },
  'users.deleteFactor': async (c) => {
    const { username, factorId } = await userWith(c, 'totp');
    expect(await c.caller.users.deleteFactor({ username, factorId, reason: 'replaced' })).toEqual({ ok: true });
    expect((await c.caller.users.get({ username })).factors).toEqual([]);
  },
  'users.resyncHotp': async (c) => {
    const { username, factorId, secret } = await userWith(c, 'hotp');
    const params = { secret, algorithm: 'SHA1', digits: 6 } as const;
    expect(await c.caller.users.resyncHotp({ username, factorId, code1: hotpCode(params, 20), code2: hotpCode(params, 21) })).toMatchObject({
      id: factorId,
      type: 'hotp',
    });
  },
  'users.renameFactor': async (c) => {
    const { username, factorId } = await userWith(c, 'totp');
    expect(await c.caller.users.renameFactor({ username, factorId, label: 'Work phone' })).toMatchObject({ id: factorId, label: 'Work phone' });
  },
  'users.issueRecoveryCodes': async (c) => {
    const { username } = await userWith(c, 'totp');
    const issued = await c.caller.users.issueRecoveryCodes({ username });
    expect(issued.codes).toHaveLength(10);
  },
  'users.update': async (c) => {
    const { username } = await userWith(c);
    const changed = await c.caller.users.update({ username, changes: { displayName: 'Changed Name', phone: '+44 20 7946 0958' } });
    expect(changed).toMatchObject({ username, displayName: 'Changed Name', phone: '+•• ••• ••• ••58' });
    expect(services.store.users.findByKey(usernameKey(username))?.phone).toBe('+442079460958');
  },
  'users.enrollDelivered': async (c) => {
    const { username } = await userWith(c);
    const to = `${username}@example.org`;
    const f = await c.caller.users.enrollDelivered({ username, factor: { type: 'email', destination: to } });
    expect(f).toMatchObject({ type: 'email', status: 'pending', destination: `${to[0]}•••@example.org`, transactionId: expect.any(String) });
    const confirmed = await c.caller.users.confirmFactor({ username, factorId: f.id, code: codeMailedTo(to) });
    expect(confirmed.factor).toMatchObject({ id: f.id, status: 'active', type: 'email' });
  },
  'users.resendCode': async (c) => {
    const { username } = await userWith(c);
    const f = await c.caller.users.enrollDelivered({ username, factor: { type: 'sms', destination: '+44 7911 123456' } });
    const sent = gateway.requests.length;
    const again = await c.caller.users.resendCode({ username, factorId: f.id });
    expect(again).toMatchObject({ sent: true, channel: 'sms', factorId: f.id, destination: '+•• ••• ••• ••56' });
    expect(gateway.requests.length).toBe(sent + 1);
  },
  'users.issueTemporaryCode': async (c) => {
    const { username } = await userWith(c);
    const issued = await c.caller.users.issueTemporaryCode({ username, code: { reason: 'lost phone', hours: 2, uses: 1 } });
    expect(issued).toMatchObject({ code: expect.stringMatching(/^\d{4} \d{4} \d{4}$/), uses: 1 });
    expect((await c.caller.users.get({ username })).temporaryCode).toMatchObject({ usesLeft: 1, maxUses: 1, reason: 'lost phone' });
  },
  'users.revokeTemporaryCode': async (c) => {
    const { username } = await userWith(c);
    await ctxFor('helpdesk').caller.users.issueTemporaryCode({ username, code: { reason: 'lost phone' } });
    expect(await c.caller.users.revokeTemporaryCode({ username, reason: 'found it' })).toEqual({ ok: true });
    expect((await c.caller.users.get({ username })).temporaryCode).toBeNull();
  },
  'settings.userPageOptions': async ({ caller }) =>
    expect(await caller.settings.userPageOptions()).toEqual({
      methods: services.settings.get().methods,
      methodNames: services.settings.get().methodNames,
      temporaryCodeMaxHours: 24,
      rememberDevices: true,
    }),
  'settings.delivery': async ({ caller }) => {
    const d = await caller.settings.delivery();
    expect(d.email).toMatchObject({ host: '127.0.0.1', port: smtp.port, tls: 'none', hasPassword: false });
    expect(d.sms).toMatchObject({ profile: 'http', hasSecret: false });
  },
  'settings.setSmtp': async ({ caller }) => {
    const view = await caller.settings.setSmtp({
      host: '127.0.0.1',
      port: smtp.port,
      tls: 'none',
      username: null,
      from: 'mfa@example.org',
      verifyCertificate: true,
      timeoutMs: 5000,
    });
    expect(view).toMatchObject({ host: '127.0.0.1', port: smtp.port, hasPassword: false });
  },
  'settings.setSms': async ({ caller }) => {
    const view = await caller.settings.setSms({
      profile: 'http',
      url: gateway.url,
      headers: [],
      bodyFormat: 'json',
      bodyTemplate: '{"to":"{{to}}","text":"{{message}}"}',
      successStatuses: [],
      successBodyContains: '',
      timeoutMs: 5000,
    });
    expect(view).toMatchObject({ profile: 'http', url: gateway.url, hasSecret: false });
  },
  'settings.testEmail': async (c) => {
    const to = `${c.name('test')}@example.org`;
    expect(await c.caller.settings.testEmail({ to })).toMatchObject({ ok: true, response: expect.stringMatching(/^250/) });
    expect(smtp.messages.some((m) => JSON.stringify(m.to).includes(to))).toBe(true);
  },
  'settings.testSms': async ({ caller }) => expect(await caller.settings.testSms({ to: '+44 7911 123456' })).toMatchObject({ ok: true }),
  'settings.get': async ({ caller }) => expect(await caller.settings.get()).toMatchObject({ methods: expect.any(Object) }),
  'settings.update': async ({ caller }) => {
    const before = await caller.settings.get();
    expect(await caller.settings.update({ issuer: before.issuer })).toMatchObject({ issuer: before.issuer });
  },
  'settings.methodUsage': async ({ caller }) =>
    expect(await caller.settings.methodUsage()).toEqual(expect.arrayContaining([expect.objectContaining({ method: 'totp' })])),
  'apiKeys.list': async (c) => {
    const { id } = createApiKey(services, { name: c.name('listed'), scopes: ['verify'] }, SYSTEM_ACTOR);
    expect((await c.caller.apiKeys.list()).map((k) => k.id)).toContain(id);
  },
  'apiKeys.create': async (c) => {
    const name = c.name('app');
    expect(await c.caller.apiKeys.create({ name, scopes: ['verify'] })).toMatchObject({ name, key: expect.stringMatching(/^tsk_/) });
  },
  'apiKeys.revoke': async (c) => {
    const { id } = createApiKey(services, { name: c.name('revoked'), scopes: ['verify'] }, SYSTEM_ACTOR);
    expect(await c.caller.apiKeys.revoke({ id })).toMatchObject({ id, revokedAt: expect.any(String) });
  },
  'apiKeys.getWebauthn': async (c) => {
    const { id } = createApiKey(services, { name: c.name('rp'), scopes: ['verify'] }, SYSTEM_ACTOR);
    expect(await c.caller.apiKeys.getWebauthn({ apiKeyId: id })).toBeNull();
  },
  'apiKeys.setWebauthn': async (c) => {
    const { id } = createApiKey(services, { name: c.name('rp'), scopes: ['verify'] }, SYSTEM_ACTOR);
    const rp = { rpId: 'localhost', rpName: 'Demo', origins: ['http://localhost:3000'] };
    expect(await c.caller.apiKeys.setWebauthn({ apiKeyId: id, rp })).toMatchObject({ rpId: 'localhost', origins: ['http://localhost:3000'] });
  },
  'operators.list': async ({ caller }) =>
    expect((await caller.operators.list()).map((o) => o.username)).toEqual(expect.arrayContaining(['op-admin', 'op-helpdesk', 'op-auditor'])),
  'operators.create': async (c) => {
    const username = c.name('newop');
    expect(await c.caller.operators.create({ username, role: 'auditor', password: PASSWORD })).toMatchObject({ username, role: 'auditor' });
  },
  'operators.update': async (c) => {
    const created = await createOperator(services, { username: c.name('upd'), role: 'auditor', password: PASSWORD }, SYSTEM_ACTOR);
    expect(await c.caller.operators.update({ id: created.id, displayName: 'Renamed' })).toMatchObject({ id: created.id, displayName: 'Renamed' });
  },
  'audit.query': async ({ caller }) => {
    const page = await caller.audit.query({ action: 'user.create', limit: 5 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((e) => e.action === 'user.create')).toBe(true);
  },
  'audit.forUser': async (c) => {
    const { username } = await userWith(c);
    expect((await c.caller.audit.forUser({ username })).items).toEqual([expect.objectContaining({ action: 'user.create', user: username })]);
  },
  'audit.count': async ({ caller }) => expect(await caller.audit.count({ action: 'operator.create' })).toBeGreaterThanOrEqual(3),
  'audit.actions': async ({ caller }) => expect(await caller.audit.actions()).toEqual(expect.arrayContaining(['operator.create'])),
  'audit.verify': async (c) => {
    const job = await c.caller.audit.verify();
    expect(job).toMatchObject({ id: expect.any(String), kind: 'audit.verify', state: 'running' });
    let status: { state: string; result: unknown } = job;
    for (let i = 0; i < 200 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await c.caller.jobs.get({ id: job.id });
    }
    expect(status).toMatchObject({ state: 'done', result: expect.objectContaining({ ok: true }) });
  },
  'jobs.get': async (c) => {
    const job = c.jobs.start('test', c.operatorId!, 1, async () => 'done');
    expect(await c.caller.jobs.get({ id: job.id })).toMatchObject({ id: job.id, kind: 'test' });
  },
  'jobs.cancel': async (c) => {
    let signal: AbortSignal | null = null;
    const job = c.jobs.start(
      'test',
      c.operatorId!,
      1,
      (j) =>
        new Promise((_, reject) => {
          signal = j.signal;
          j.signal.addEventListener('abort', () => reject(j.signal.reason));
        }),
    );
    expect(await c.caller.jobs.cancel({ id: job.id })).toMatchObject({ id: job.id, kind: 'test' });
    expect(signal!.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(await c.caller.jobs.get({ id: job.id })).toMatchObject({ state: 'cancelled' });
  },
  'directory.get': async ({ caller }) =>
    expect(await caller.directory.get()).toMatchObject({ url: slapd.url, hasPassword: true, attributes: { preset: 'openldap', username: 'uid' } }),
  'directory.set': async ({ caller }) => {
    const { bindPassword: _kept, ...rest } = directoryInput();
    expect(await caller.directory.set({ ...rest, graceDays: 30 })).toMatchObject({ url: slapd.url, hasPassword: true, graceDays: 30 });
  },
  'directory.test': async ({ caller }) =>
    expect(await caller.directory.test({})).toMatchObject({ ok: true, usersFound: 30, sample: expect.arrayContaining(['user00001']) }),
  'directory.planSync': async ({ caller }) => expect(await caller.directory.planSync()).toMatchObject({ searched: 30, guard: { exceeded: false } }),
  'directory.applySync': async (c) => {
    const job = await c.caller.directory.applySync({});
    expect(job).toMatchObject({ kind: 'directory.sync', state: 'running' });
    let status: { state: string; result: unknown; message: string | null } = job;
    for (let i = 0; i < 200 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await c.caller.jobs.get({ id: job.id });
    }
    expect(status).toMatchObject({ state: 'done', result: { cancelled: false, counts: expect.objectContaining({ disable: 0 }) } });
    expect(services.store.users.findByKey('user00030')?.directory_dn).toBe(slapd.dnOf('user00030'));
  },
  'directory.groupWithoutFactor': async ({ caller }) => {
    await applyDirectorySync(services, SYSTEM_ACTOR);
    const list = await caller.directory.groupWithoutFactor({ group: 'VPN-users' });
    expect(list.map((u) => u.username)).toEqual([
      'user00003',
      'user00006',
      'user00009',
      'user00012',
      'user00015',
      'user00018',
      'user00021',
      'user00024',
      'user00027',
      'user00030',
    ]);
  },
  'directory.groups': async ({ caller }) => {
    await applyDirectorySync(services, SYSTEM_ACTOR);
    expect(await caller.directory.groups({ query: 'vpn' })).toEqual([{ name: 'vpn-users', members: 10, withoutFactor: 10 }]);
  },
  'operators.resetPassword': async (c) => {
    const { caller } = ctxFor(c.who, true);
    const target = await createOperator(services, { username: c.name('reset'), role: 'helpdesk', password: PASSWORD }, SYSTEM_ACTOR);
    expect(await caller.operators.resetPassword({ id: target.id, reauth: { password: PASSWORD } })).toMatchObject({
      operator: { id: target.id, mustChangePassword: true },
      temporaryPassword: expect.any(String),
    });
  },
  'profile.changePassword': async (c) => {
    const view = await createOperator(services, { username: c.name('changer'), role: c.who as OperatorRole, password: PASSWORD }, SYSTEM_ACTOR);
    services.store.operators.update(view.id, { status: 'active' });
    const session = { id: `session-${c.name('s')}`, operator: services.store.operators.findById(view.id)! };
    const caller = createCaller(createContextInner(services, { session, sameOriginRequest: true }));
    expect(await caller.profile.changePassword({ currentPassword: PASSWORD, newPassword: 'a changed passphrase' })).toMatchObject({
      mustChangePassword: false,
    });
  },
  'profile.webauthn.list': async ({ caller }) => expect(await caller.profile.webauthn.list()).toEqual([]),
  'profile.webauthn.registrationOptions': async (c) => {
    const { caller } = ctxFor(c.who, true);
    expect(await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } })).toMatchObject({
      rp: { id: 'localhost' },
      user: { name: `pw-${c.who}` },
    });
  },
  'profile.webauthn.verifyRegistration': async (c) => {
    const { caller } = ctxFor(c.who, true);
    const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
    const label = c.name('key');
    expect(await caller.profile.webauthn.verifyRegistration({ response: new SoftAuthenticator().create(options, ORIGIN), label })).toMatchObject({
      label,
      rpId: 'localhost',
    });
  },
  'profile.webauthn.remove': async (c) => {
    const { caller } = ctxFor(c.who, true);
    const options = await caller.profile.webauthn.registrationOptions({ reauth: { password: PASSWORD } });
    const key = await caller.profile.webauthn.verifyRegistration({ response: new SoftAuthenticator().create(options, ORIGIN), label: c.name('gone') });
    await caller.profile.webauthn.remove({ id: key.id, reauth: { password: PASSWORD } });
    expect((await caller.profile.webauthn.list()).map((k) => k.id)).not.toContain(key.id);
  },
};

/**
 * Public ceremony steps that need a live ticket or setup link: each one
 * succeeding is proven end to end elsewhere (consoleLogin*.test.ts,
 * webauthnConsole.test.ts, the setup tests); here they are only required
 * not to be refused for the caller's role.
 */
const CEREMONY_STEPS = new Set(['auth.setup', 'auth.completeLogin', 'auth.completeEnrollment', 'auth.webauthnOptions', 'auth.completeWebauthnLogin']);

describe('role matrix: the allowed calls succeed, with the right result', () => {
  it('every procedure has a success case or is a ceremony step', () => {
    expect(Object.keys(EXPECTED).filter((n) => !SUCCEEDS[n] && !CEREMONY_STEPS.has(n))).toEqual([]);
  });

  for (const [name, allowed] of Object.entries(EXPECTED)) {
    const run = SUCCEEDS[name];
    if (!run) continue;
    const whos = (allowed === PUBLIC ? ['nobody', ...ALL] : allowed) as Who[];
    for (const who of whos) {
      it(`${name} as ${who} succeeds`, async () => {
        await run(ctxFor(who));
      });
    }
  }
});
