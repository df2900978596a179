import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryConfigInput } from '../../../shared/schemas/directory';
import { startTestServer, totpCode, wrongCode, type TestServer } from '../../testing/harness';
import { BASE_DN, BIND_DN, BIND_PASSWORD, USER_PASSWORD, startSlapd, type TestSlapd } from '../../testing/slapd';
import { SYSTEM_ACTOR } from '../context';
import { applyDirectorySync, setDirectoryConfig } from '../directory/index';
import { getUser } from '../users';
import { addRadiusClient } from './clients';
import { radclient as radclientAt, withMA } from './radclient.testkit';
import { startRadiusServer, type RunningRadius } from './server';

/**
 * password_code mode against a real slapd (the directory password by bind)
 * and a real radclient: the code appended to the password in one field, or
 * asked for by Access-Challenge after the password alone. A wrong password
 * stops before the code: the code is not used up and the user's code
 * throttle does not move (the password has its own throttle).
 */

const SECRET = 'password-code-secret-2026';
let slapd: TestSlapd;
let srv: TestServer;
let rad: RunningRadius;
let next = 0;

function config(over: Partial<DirectoryConfigInput> = {}): DirectoryConfigInput {
  return {
    url: slapd.url,
    tls: 'none',
    bindDn: BIND_DN,
    bindPassword: BIND_PASSWORD,
    baseDn: BASE_DN,
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: { preset: 'openldap' },
    pageSize: 200,
    ...over,
  };
}

beforeAll(async () => {
  slapd = await startSlapd({ users: 40, sizeLimit: 500 });
  srv = await startTestServer();
  setDirectoryConfig(srv.services, config(), SYSTEM_ACTOR);
  await applyDirectorySync(srv.services, SYSTEM_ACTOR);
  rad = await startRadiusServer(srv.services, { port: 0 });
  addRadiusClient(srv.services, { name: 'openvpn', address: '127.0.0.1', secret: SECRET, mode: 'password_code' }, SYSTEM_ACTOR);
}, 30_000);

afterAll(async () => {
  await rad?.close();
  await srv?.close();
  await slapd?.stop();
});

const radclient = (attrs: Record<string, string>) => radclientAt(rad.port, withMA(attrs), SECRET);

/** The next directory user, with a TOTP factor of `digits`. */
async function directoryUser(digits: 6 | 8 = 6) {
  const username = slapd.uid(++next);
  const factor = await srv.activeFactor(username, 'totp', { digits });
  return { username, code: () => totpCode(factor, srv.clock.now()) };
}

const trail = (seq: number) => srv.auditSince(seq).map((e) => [e.action, e.outcome, e.reason, e.actor_name]);

describe('password + code in one field', () => {
  it('accepts the right password with the code appended: the password by bind, then the code (each entry naming the client)', async () => {
    const u = await directoryUser();
    const before = srv.auditCount();
    const r = await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${u.code()}` });
    expect(r.reply).toBe('Access-Accept');
    expect(trail(before)).toEqual([
      ['directory.password', 'success', null, 'radius:openvpn'],
      ['verify', 'success', null, 'radius:openvpn'],
    ]);
    expect(JSON.stringify(srv.auditSince(before))).not.toContain(USER_PASSWORD);
  });

  it('splits at 8 digits for a user whose factor has 8', async () => {
    const u = await directoryUser(8);
    expect(u.code()).toMatch(/^\d{8}$/);
    expect((await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${u.code()}` })).reply).toBe('Access-Accept');
  });

  it('rejects a wrong password before the code: the code is not used up and not counted as a code failure', async () => {
    const u = await directoryUser();
    const code = u.code();
    const before = srv.auditCount();
    const r = await radclient({ 'User-Name': u.username, 'User-Password': `not the password${code}` });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toContain('Reply-Message = "Wrong password"');
    expect(trail(before)).toEqual([['directory.password', 'failure', 'wrong_password', 'radius:openvpn']]);
    expect(getUser(srv.services, u.username).throttle).toMatchObject({ failures: 0, state: 'ok' });
    // The same code, with the right password, still works: it was never checked.
    expect((await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${code}` })).reply).toBe('Access-Accept');
  });

  it('rejects a wrong code after the right password, counted on the code throttle', async () => {
    const u = await directoryUser();
    const before = srv.auditCount();
    const r = await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${wrongCode(u.code())}` });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toContain('Reply-Message = "Wrong code"');
    expect(trail(before)).toEqual([
      ['directory.password', 'success', null, 'radius:openvpn'],
      ['verify', 'failure', 'invalid_code', 'radius:openvpn'],
    ]);
    expect(getUser(srv.services, u.username).throttle).toMatchObject({ failures: 1 });
  });

  it('tells a user past the password throttle when to retry', async () => {
    const u = await directoryUser();
    for (let i = 0; i < 4; i++) await radclient({ 'User-Name': u.username, 'User-Password': `wrong ${i}${u.code()}` });
    const r = await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${u.code()}` });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toMatch(/Reply-Message = "Too many wrong passwords: wait; try again in \d+ s"/);
    srv.clock.advance(60_000);
  });

  it('refuses a user who is not from the directory, in words', async () => {
    const username = `local-${++next}`;
    await srv.createUser(username);
    const factor = await srv.activeFactor(username, 'totp');
    const r = await radclient({ 'User-Name': username, 'User-Password': `anything${totpCode(factor, srv.clock.now())}` });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toContain('Reply-Message = "This user has no directory password (not from the directory)"');
  });
});

describe('password, then the code by Access-Challenge', () => {
  it('challenges after the right password alone, and accepts the code with the State', async () => {
    const u = await directoryUser();
    const before = srv.auditCount();
    const first = await radclient({ 'User-Name': u.username, 'User-Password': USER_PASSWORD });
    expect(first.reply).toBe('Access-Challenge');
    expect(first.out).toContain('Reply-Message = "Enter your one-time code"');
    expect(trail(before)).toEqual([['directory.password', 'success', null, 'radius:openvpn']]);
    const state = /State = (0x[0-9a-f]+)/.exec(first.out)![1]!;
    const mid = srv.auditCount();
    const second = await radclient({ 'User-Name': u.username, 'User-Password': u.code(), State: state });
    expect(second.reply).toBe('Access-Accept');
    expect(trail(mid)).toEqual([['verify', 'success', null, 'radius:openvpn']]);
  });

  it('gives no State for a wrong password alone', async () => {
    const u = await directoryUser();
    const r = await radclient({ 'User-Name': u.username, 'User-Password': 'not the password' });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).not.toContain('State =');
  });
});

describe('the directory unreachable', () => {
  beforeAll(() => setDirectoryConfig(srv.services, config({ url: 'ldap://127.0.0.1:1' }), SYSTEM_ACTOR));
  afterAll(() => setDirectoryConfig(srv.services, config(), SYSTEM_ACTOR));

  it('rejects with a Reply-Message saying so; nothing is counted against the user and the code is not used', async () => {
    const u = await directoryUser();
    const code = u.code();
    const before = srv.auditCount();
    const r = await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${code}` });
    expect(r.reply).toBe('Access-Reject');
    expect(r.out).toContain('Reply-Message = "The directory could not be reached to check the password; try again later"');
    expect(trail(before)).toEqual([['directory.password', 'failure', 'directory_unavailable', 'radius:openvpn']]);
    expect(getUser(srv.services, u.username).throttle).toMatchObject({ failures: 0, state: 'ok' });
    setDirectoryConfig(srv.services, config(), SYSTEM_ACTOR);
    expect((await radclient({ 'User-Name': u.username, 'User-Password': `${USER_PASSWORD}${code}` })).reply).toBe('Access-Accept');
  });
});
