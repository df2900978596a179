import { Attribute, Change, Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../shared/errors';
import { DirectoryConfigInput, type DirectoryConfigInput as ConfigInput } from '../../../shared/schemas/directory';
import { SYSTEM_ACTOR, type Services } from '../index';
import { createOperator } from '../operatorAccounts';
import { getUser, updateUser } from '../users';
import { openTestServices, startTestServer, totpCode, type TestServer, type TestServices } from '../../testing/harness';
import { BASE_DN, BIND_DN, BIND_PASSWORD, groupDn, PEOPLE_DN, USER_PASSWORD, startSlapd, type TestSlapd } from '../../testing/slapd';
import {
  applyDirectorySync,
  checkDirectoryPassword,
  directoryView,
  planDirectorySync,
  removeFactorsPastGrace,
  setDirectoryConfig,
  testDirectoryConnection,
  usersInGroupWithoutFactor,
} from './index';

/**
 * Users from a real directory: Debian's slapd with 3000 users (more than its
 * size limit of 500; synced in pages of 200) in four groups. One slapd for
 * the file; each part of it changes entries of its own and puts them back.
 */

const USERS = 3000;
const DAY = 86_400_000;

let slapd: TestSlapd;
let admin: Client;

function baseConfig(over: Partial<ConfigInput> = {}): ConfigInput {
  return {
    url: slapd.url,
    tls: 'none',
    bindDn: BIND_DN,
    bindPassword: BIND_PASSWORD,
    baseDn: BASE_DN,
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: { ...openldapWithDisabled },
    pageSize: 200,
    ...over,
  };
}

const openldapWithDisabled = {
  preset: 'openldap' as const,
  username: 'uid',
  displayName: 'cn',
  email: 'mail',
  phone: 'mobile',
  disabled: { kind: 'equals' as const, attribute: 'employeeType', value: 'disabled' },
  groups: { kind: 'groupSearch' as const, baseDn: null, filter: '(objectClass=groupOfNames)', memberAttribute: 'member' },
};

async function replace(uid: string, type: string, values: string[]): Promise<void> {
  await admin.modify(slapd.dnOf(uid), new Change({ operation: 'replace', modification: new Attribute({ type, values }) }));
}

/** The fields of an entry as slapd.ts made it, to put a deleted entry back. */
function entryOf(n: number): Record<string, string[]> {
  const uid = slapd.uid(n);
  return {
    objectClass: ['inetOrgPerson', 'tesseraAdLike'],
    uid: [uid],
    sAMAccountName: [uid],
    cn: [`User ${n}`],
    sn: [`${n}`],
    displayName: [`User ${n}`],
    mail: [`${uid}@example.org`],
    userAccountControl: ['512'],
    userPassword: [USER_PASSWORD],
  };
}

beforeAll(async () => {
  slapd = await startSlapd({ users: USERS, sizeLimit: 500 });
  admin = await slapd.admin();
}, 30_000);

afterAll(async () => {
  await admin?.unbind();
  await slapd?.stop();
});

describe('the schema', () => {
  it('refuses plain LDAP to another machine, a TLS mode that does not fit the URL, and bad filters, in words', () => {
    const bad = (over: Partial<ConfigInput>) => {
      const r = DirectoryConfigInput.safeParse({ ...baseConfig(), ...over });
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(bad({ url: 'ldap://ldap.example.org', tls: 'none' })).toEqual([expect.stringMatching(/without TLS is allowed only to this machine/)]);
    expect(bad({ url: 'ldaps://ldap.example.org', tls: 'starttls' })).toEqual([expect.stringMatching(/ldaps:\/\/ goes with TLS "ldaps"/)]);
    expect(bad({ url: 'http://ldap.example.org' })).toEqual([expect.stringMatching(/URL must be ldap:\/\//)]);
    expect(bad({ userFilter: 'objectClass=person' })).toEqual([expect.stringMatching(/LDAP filter in parentheses/)]);
    expect(bad({ url: 'ldap://ldap.example.org', tls: 'starttls' })).toEqual([]);
    // A preset by name is filled in.
    const r = DirectoryConfigInput.parse({ ...baseConfig(), attributes: { preset: 'activeDirectory' } });
    expect(r.attributes).toMatchObject({ username: 'sAMAccountName', disabled: { kind: 'bitmask', attribute: 'userAccountControl', mask: 2 } });
  });
});

describe('connection test', () => {
  let t: TestServices;
  beforeAll(() => {
    t = openTestServices({ prefix: 'tessera-dir-test-' });
    setDirectoryConfig(t.services, baseConfig(), SYSTEM_ACTOR);
  });
  afterAll(() => t.close());

  it('reports what the server said and counts every user with a paged search (more than the size limit)', async () => {
    const r = await testDirectoryConnection(t.services);
    expect(r).toMatchObject({ ok: true, usersFound: USERS, sample: ['user00001', 'user00002', 'user00003', 'user00004', 'user00005'] });
    if (!r.ok) return;
    expect(r.server).toMatch(/Connected to 127\.0\.0\.1:\d+ without TLS; bound as cn=tessera.*supports paged searches.*found 3000 users/);
    // Without paging the server stops at its limit: that is why the sync pages.
    const plain = new Client({ url: slapd.url });
    await plain.bind(BIND_DN, BIND_PASSWORD);
    await expect(plain.search(PEOPLE_DN, { filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] })).rejects.toMatchObject({ code: 4 });
    await plain.unbind();
  });

  it('bad credentials: LDAP 49 in words', async () => {
    const r = await testDirectoryConnection(t.services, baseConfig({ bindPassword: 'wrong password' }));
    expect(r).toMatchObject({ ok: false, stage: 'bind', ldapCode: 49 });
    if (!r.ok) expect(r.error).toMatch(/refused the bind DN and password: LDAP 49 invalid credentials/);
  });

  it('an unreachable server: refused, in words', async () => {
    const r = await testDirectoryConnection(t.services, baseConfig({ url: 'ldap://127.0.0.1:1' }));
    expect(r).toMatchObject({ ok: false, stage: 'connect', ldapCode: null });
    if (!r.ok) expect(r.error).toMatch(/Could not connect to 127\.0\.0\.1:1: connection refused/);
  });

  it('ldaps and STARTTLS with the CA work; a certificate for another name is refused, and one from an unknown CA', async () => {
    const ca = slapd.caPem;
    expect(await testDirectoryConnection(t.services, baseConfig({ url: slapd.ldapsUrl, tls: 'ldaps', caCertificate: ca }))).toMatchObject({
      ok: true,
      server: expect.stringMatching(/over TLS \(ldaps\)/),
      usersFound: USERS,
    });
    expect(await testDirectoryConnection(t.services, baseConfig({ tls: 'starttls', caCertificate: ca }))).toMatchObject({
      ok: true,
      server: expect.stringMatching(/upgraded to TLS \(STARTTLS\)/),
    });
    const wrongName = await testDirectoryConnection(t.services, baseConfig({ url: slapd.ldapsWrongNameUrl, tls: 'ldaps', caCertificate: ca }));
    expect(wrongName).toMatchObject({ ok: false, stage: 'tls' });
    if (!wrongName.ok) expect(wrongName.error).toMatch(/certificate of 127\.0\.0\.2:\d+ is not for that name: .*127\.0\.0\.2 is not in the cert's list/);
    const unknownCa = await testDirectoryConnection(t.services, baseConfig({ url: slapd.ldapsUrl, tls: 'ldaps' }));
    expect(unknownCa).toMatchObject({ ok: false, stage: 'tls', error: expect.stringMatching(/not signed by a CA Tessera trusts/) });
  });

  it('keeps the password write-only, and gives the stored one only to the server it was set for', async () => {
    const view = directoryView(t.services)!;
    expect(view).toMatchObject({ hasPassword: true, url: slapd.url });
    expect(JSON.stringify(view)).not.toContain(BIND_PASSWORD);
    const { bindPassword: _omit, ...noPassword } = baseConfig();
    expect(await testDirectoryConnection(t.services, noPassword)).toMatchObject({ ok: true });
    const elsewhere = await testDirectoryConnection(t.services, { ...noPassword, url: `ldap://localhost:${slapd.port}` });
    expect(elsewhere).toMatchObject({ ok: false, stage: 'config', error: expect.stringMatching(/No bind password/) });
    expect(JSON.stringify([...t.services.store.audit.iterate(1)])).not.toContain(BIND_PASSWORD);
  });
});

describe('sync (OpenLDAP preset, groups by a second search)', () => {
  let t: TestServer;
  let s: Services;

  beforeAll(async () => {
    t = await startTestServer();
    s = t.services;
    setDirectoryConfig(s, baseConfig(), SYSTEM_ACTOR);
  }, 30_000);
  afterAll(() => t.close());

  it('the first sync adds every user, page by page, with their fields and groups; a second one changes nothing', async () => {
    const dry = await planDirectorySync(s);
    expect(dry).toMatchObject({ searched: USERS, counts: { add: USERS, update: 0, disable: 0, reEnable: 0, unchanged: 0, skipped: 0 }, truncated: true });
    expect(dry.add).toHaveLength(500);
    expect(s.store.users.count()).toBe(0);
    const progress: string[] = [];
    const result = await applyDirectorySync(s, SYSTEM_ACTOR, { onProgress: (p) => progress.push(p.phase) });
    expect(result).toMatchObject({ counts: { add: USERS, update: 0, disable: 0 }, cancelled: false });
    expect(progress).toContain('reading');
    expect(progress.filter((p) => p === 'applying')).toHaveLength(USERS / 500);
    const u = getUser(s, 'user00003');
    expect(u).toMatchObject({
      displayName: 'User 3',
      email: 'user00003@example.org',
      source: 'directory',
      disabled: false,
      phone: expect.stringMatching(/03$/),
    });
    expect(u.directory).toEqual({ dn: slapd.dnOf('user00003'), syncedAt: expect.any(String), groups: ['helpdesk', 'staff', 'vpn-users'] });
    expect(usersInGroupWithoutFactor(s, 'VPN-Users', 5000)).toHaveLength(USERS / 3);
    expect(directoryView(s)!.lastSync).toMatchObject({ ok: true, counts: { add: USERS } });
    const again = await planDirectorySync(s);
    expect(again.counts).toEqual({ add: 0, update: 0, disable: 0, reEnable: 0, unchanged: USERS, skipped: 0 });
  }, 30_000);

  it('one sync at a time across nodes and the command line: a live lease held elsewhere refuses, a lapsed one is taken over', async () => {
    const leases = s.store.checkLeases;
    const now = s.clock();
    expect(leases.take('directory-sync', 'all', 'another-node', now, now + 60_000)).toBe(true);
    const before = t.auditCount();
    await expect(applyDirectorySync(s, SYSTEM_ACTOR)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/another node/) });
    expect(t.auditCount()).toBe(before);
    // The other holder crashed: its lease runs out, and the next sync takes it over and gives it back when done.
    t.clock.advance(60_001);
    expect((await applyDirectorySync(s, SYSTEM_ACTOR)).counts).toMatchObject({ add: 0, unchanged: USERS });
    expect(leases.find('directory-sync', 'all')).toBeUndefined();
  }, 30_000);

  it('a renamed user and a changed mail are updated (which fields), and the console may not change them', async () => {
    await replace('user00010', 'cn', ['Ten Renamed']);
    await replace('user00010', 'mail', ['ten@example.org']);
    const plan = await planDirectorySync(s);
    expect(plan.counts).toMatchObject({ update: 1, add: 0, disable: 0 });
    expect(plan.update).toEqual([
      {
        username: 'user00010',
        changes: [
          { field: 'displayName', from: 'User 10', to: 'Ten Renamed' },
          { field: 'email', from: 'user00010@example.org', to: 'ten@example.org' },
        ],
      },
    ]);
    const seq = t.auditCount();
    expect((await applyDirectorySync(s, SYSTEM_ACTOR)).counts).toMatchObject({ update: 1, unchanged: USERS - 1 });
    expect(getUser(s, 'user00010')).toMatchObject({ displayName: 'Ten Renamed', email: 'ten@example.org' });
    expect(t.auditSince(seq).map((e) => [e.action, e.target_user, e.details])).toEqual([
      ['directory.user.update', 'user00010', JSON.stringify({ changed: ['displayName', 'email'], dn: slapd.dnOf('user00010') })],
      ['directory.sync', null, expect.stringContaining('"update":1')],
    ]);
    const refused = (() => {
      try {
        updateUser(s, 'user00010', { email: 'mine@example.org' }, SYSTEM_ACTOR);
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(TesseraError);
    expect(refused).toMatchObject({ code: 'directory_managed', message: expect.stringMatching(/comes from the directory.*change them there/) });
    const r = await t.call('PATCH', '/api/v1/users/user00010', { key: t.keys.provision, body: { displayName: 'X' } });
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({
      code: 'directory_managed',
      fields: [{ path: 'displayName', message: 'Read-only: this user comes from the directory' }],
    });
    expect(getUser(s, 'user00010').displayName).toBe('Ten Renamed');
  });

  it('a leaver is disabled (factors kept, verify says user_disabled), and after the grace period their factors go', async () => {
    const factor = await t.activeFactor('user00020', 'totp');
    await admin.del(slapd.dnOf('user00020'));
    const plan = await planDirectorySync(s);
    expect(plan.disable).toEqual([{ username: 'user00020', why: 'removed_from_directory' }]);
    expect(plan.guard).toMatchObject({ directoryUsers: USERS, wouldDisable: 1, exceeded: false });
    const seq = t.auditCount();
    expect((await applyDirectorySync(s, SYSTEM_ACTOR)).counts).toMatchObject({ disable: 1 });
    expect(t.auditSince(seq)[0]).toMatchObject({ action: 'directory.user.disable', target_user: 'user00020', reason: 'removed_from_directory' });
    expect(getUser(s, 'user00020')).toMatchObject({
      disabled: true,
      disabledReason: 'removed_from_directory',
      factors: [expect.objectContaining({ id: factor.id })],
    });

    const v = await t.call('POST', '/api/v1/verify', { key: t.keys.verify, body: { user: 'user00020', code: totpCode(factor, t.clock.now()) } });
    expect(v.json).toEqual({ ok: false, reason: 'user_disabled' });
    expect(t.auditSince(t.auditCount() - 1)[0]).toMatchObject({ action: 'verify', outcome: 'denied', reason: 'user_disabled' });
    const c = await t.call('POST', '/api/v1/challenge', { key: t.keys.verify, body: { user: 'user00020' } });
    expect(c.status).toBe(403);
    expect(c.json.error).toMatchObject({ code: 'user_disabled' });

    // Within the grace period (30 days) nothing is removed; after it, the factors are, audited.
    t.clock.advance(29 * DAY);
    expect(removeFactorsPastGrace(s)).toBe(0);
    t.clock.advance(2 * DAY);
    const before = t.auditCount();
    expect(removeFactorsPastGrace(s)).toBe(1);
    expect(getUser(s, 'user00020').factors).toEqual([]);
    expect(t.auditSince(before)).toEqual([
      expect.objectContaining({
        action: 'directory.factors.remove',
        target_user: 'user00020',
        reason: 'grace_period_over',
        details: expect.stringContaining('"factorsRemoved":1'),
      }),
    ]);
    expect(removeFactorsPastGrace(s)).toBe(0);

    // Back in the directory: re-enabled (a new factor is needed now).
    await admin.add(slapd.dnOf('user00020'), entryOf(20));
    const back = await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(back.counts).toMatchObject({ reEnable: 1, disable: 0 });
    expect(getUser(s, 'user00020')).toMatchObject({ disabled: false, disabledReason: null });
  });

  it('a user disabled in the directory (an OpenLDAP attribute) is disabled, and re-enabled when it goes', async () => {
    await replace('user00030', 'employeeType', ['Disabled']);
    const plan = await planDirectorySync(s);
    expect(plan.disable).toEqual([{ username: 'user00030', why: 'disabled_in_directory' }]);
    await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(getUser(s, 'user00030')).toMatchObject({ disabled: true, disabledReason: 'disabled_in_directory' });
    await admin.modify(slapd.dnOf('user00030'), new Change({ operation: 'delete', modification: new Attribute({ type: 'employeeType', values: [] }) }));
    expect((await planDirectorySync(s)).reEnable).toEqual([{ username: 'user00030' }]);
    await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(getUser(s, 'user00030').disabled).toBe(false);
  });

  it('an empty search never disables anyone; an unreachable server and bad credentials change nothing', async () => {
    const users = () => JSON.stringify(JSON.parse(t.snapshot()).users);
    const before = users();
    setDirectoryConfig(s, baseConfig({ userFilter: '(uid=nobody-has-this)' }), SYSTEM_ACTOR);
    await expect(planDirectorySync(s)).rejects.toMatchObject({
      code: 'directory_unavailable',
      message: expect.stringMatching(/found no users.*nothing was changed/),
    });
    await expect(applyDirectorySync(s, SYSTEM_ACTOR, { confirm: true })).rejects.toMatchObject({ code: 'directory_unavailable' });
    expect(directoryView(s)!.lastSync).toMatchObject({ ok: false, counts: null, error: expect.stringMatching(/found no users/) });

    setDirectoryConfig(s, baseConfig({ url: 'ldap://127.0.0.1:1' }), SYSTEM_ACTOR);
    await expect(applyDirectorySync(s, SYSTEM_ACTOR, { confirm: true })).rejects.toMatchObject({ message: expect.stringMatching(/connection refused/) });
    setDirectoryConfig(s, baseConfig({ bindPassword: 'not it' }), SYSTEM_ACTOR);
    await expect(applyDirectorySync(s, SYSTEM_ACTOR, { confirm: true })).rejects.toMatchObject({
      message: expect.stringMatching(/LDAP 49 invalid credentials/),
    });
    expect(users()).toBe(before);
    setDirectoryConfig(s, baseConfig(), SYSTEM_ACTOR);
  });

  it('the mass-disable guard stops a sync that would disable more than 10 %; with confirm it goes on', async () => {
    // A filter that sees a third of the users looks like two thirds leaving.
    setDirectoryConfig(s, baseConfig({ userFilter: '(&(objectClass=inetOrgPerson)(uid=user00*))' }), SYSTEM_ACTOR);
    const plan = await planDirectorySync(s);
    expect(plan.guard).toEqual({ directoryUsers: USERS, wouldDisable: USERS - 999, percent: 66.7, limitPercent: 10, exceeded: true });
    await expect(applyDirectorySync(s, SYSTEM_ACTOR)).rejects.toMatchObject({
      code: 'mass_disable_guard',
      message: expect.stringMatching(/would disable 2001 of 3000 directory users \(66\.7 %\), more than the 10 % guard: nothing was changed/),
    });
    expect(getUser(s, 'user02000').disabled).toBe(false);
    const done = await applyDirectorySync(s, SYSTEM_ACTOR, { confirm: true });
    expect(done.counts.disable).toBe(USERS - 999);
    expect(getUser(s, 'user02000').disabled).toBe(true);
    // The right filter again: they come back.
    setDirectoryConfig(s, baseConfig(), SYSTEM_ACTOR);
    expect((await applyDirectorySync(s, SYSTEM_ACTOR)).counts.reEnable).toBe(USERS - 999);
  }, 30_000);

  it('a cancelled sync keeps what it committed and says what it did not do', async () => {
    await admin.del(slapd.dnOf('user00040'));
    await admin.del(slapd.dnOf('user00041'));
    const controller = new AbortController();
    const r = await applyDirectorySync(s, SYSTEM_ACTOR, {
      chunkSize: 1,
      signal: controller.signal,
      onProgress: (p) => p.phase === 'applying' && controller.abort(),
    });
    expect(r).toMatchObject({ cancelled: true, notAttempted: 1, counts: { disable: 1 } });
    await admin.add(slapd.dnOf('user00040'), entryOf(40));
    await admin.add(slapd.dnOf('user00041'), entryOf(41));
    await applyDirectorySync(s, SYSTEM_ACTOR);
    expect([getUser(s, 'user00040').disabled, getUser(s, 'user00041').disabled]).toEqual([false, false]);
  });

  it('checks a directory password by bind: right, wrong, empty, throttled; never logs it', async () => {
    const seq = t.auditCount();
    expect(await checkDirectoryPassword(s, 'user00050', USER_PASSWORD, SYSTEM_ACTOR)).toEqual({ ok: true });
    expect(await checkDirectoryPassword(s, 'user00050', 'not the password', SYSTEM_ACTOR)).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await checkDirectoryPassword(s, 'user00050', '', SYSTEM_ACTOR)).toEqual({ ok: false, reason: 'wrong_password' });
    for (let i = 0; i < 2; i++) await checkDirectoryPassword(s, 'user00050', `wrong ${i}`, SYSTEM_ACTOR);
    // Four failures: past the three free attempts, the next one waits.
    expect(await checkDirectoryPassword(s, 'user00050', USER_PASSWORD, SYSTEM_ACTOR)).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 2 });
    t.clock.advance(3000);
    expect(await checkDirectoryPassword(s, 'user00050', USER_PASSWORD, SYSTEM_ACTOR)).toEqual({ ok: true });
    // Its own throttle: the code throttle is untouched.
    expect(getUser(s, 'user00050').throttle).toMatchObject({ failures: 0, state: 'ok' });
    const entries = t.auditSince(seq);
    expect(entries.map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ['directory.password', 'success', null],
      ['directory.password', 'failure', 'wrong_password'],
      ['directory.password', 'failure', 'wrong_password'],
      ['directory.password', 'failure', 'wrong_password'],
      ['directory.password', 'failure', 'wrong_password'],
      ['directory.password', 'denied', 'throttled'],
      ['directory.password', 'success', null],
    ]);
    expect(JSON.stringify(entries)).not.toContain(USER_PASSWORD);
    expect(JSON.stringify(entries)).not.toContain('not the password');
    // A disabled user is refused before any bind.
    await replace('user00051', 'employeeType', ['disabled']);
    await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(await checkDirectoryPassword(s, 'user00051', USER_PASSWORD, SYSTEM_ACTOR)).toEqual({ ok: false, reason: 'user_disabled' });
    await admin.modify(slapd.dnOf('user00051'), new Change({ operation: 'delete', modification: new Attribute({ type: 'employeeType', values: [] }) }));
    await applyDirectorySync(s, SYSTEM_ACTOR);
  });
});

describe('sync (Active Directory preset: userAccountControl, memberOf) and operator roles', () => {
  let t: TestServices;
  let s: Services;
  const now = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    t = openTestServices({ prefix: 'tessera-dir-ad-', clock: () => now });
    s = t.services;
    setDirectoryConfig(
      s,
      baseConfig({ userFilter: '(objectClass=tesseraAdLike)', attributes: { preset: 'activeDirectory' }, roleMapping: [{ group: 'Admins', role: 'admin' }] }),
      SYSTEM_ACTOR,
    );
    // user00001 is in "admins": an auditor of that name becomes an admin; user00009 is in no mapped group and keeps their role.
    for (const name of ['user00001', 'user00009']) {
      const op = await createOperator(s, { username: name, role: 'auditor', password: 'operator password 2026' }, SYSTEM_ACTOR);
      s.store.operators.update(op.id, { status: 'active' });
    }
  }, 30_000);
  afterAll(() => t.close());

  it('reads sAMAccountName, displayName, memberOf; the disabled bit 0x2 disables, clearing it re-enables; roles come from groups', async () => {
    const plan = await planDirectorySync(s);
    expect(plan.counts.add).toBe(USERS);
    expect(plan.roles).toEqual([{ operator: 'user00001', from: 'auditor', to: 'admin' }]);
    const r = await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(r).toMatchObject({ rolesChanged: 1, counts: { add: USERS } });
    expect(s.store.operators.findByKey('user00001')?.role).toBe('admin');
    expect(s.store.operators.findByKey('user00009')?.role).toBe('auditor');
    expect(getUser(s, 'user00002')).toMatchObject({ displayName: 'User 2', directory: { groups: ['admins', 'helpdesk', 'staff'] } });

    await replace('user00060', 'userAccountControl', ['514']);
    expect((await planDirectorySync(s)).disable).toEqual([{ username: 'user00060', why: 'disabled_in_directory' }]);
    await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(getUser(s, 'user00060').disabled).toBe(true);
    await replace('user00060', 'userAccountControl', ['512']);
    expect((await applyDirectorySync(s, SYSTEM_ACTOR)).counts.reEnable).toBe(1);
    expect(getUser(s, 'user00060').disabled).toBe(false);
  }, 30_000);

  it('a mapping line by DN is that group only: the same name in another OU grants nothing; a DN matches however it is spaced or cased', async () => {
    const mapping = [
      { group: `cn=admins,ou=elsewhere,${BASE_DN}`, role: 'admin' as const },
      { group: groupDn('helpdesk').toUpperCase().replace(/,/g, ', '), role: 'helpdesk' as const },
    ];
    setDirectoryConfig(
      s,
      baseConfig({ userFilter: '(objectClass=tesseraAdLike)', attributes: { preset: 'activeDirectory' }, roleMapping: mapping }),
      SYSTEM_ACTOR,
    );
    // user00001 is in cn=admins,ou=groups (not ou=elsewhere) and in helpdesk: the first line does not match, the second does.
    expect((await planDirectorySync(s)).roles).toEqual([{ operator: 'user00001', from: 'admin', to: 'helpdesk' }]);
    setDirectoryConfig(
      s,
      baseConfig({
        userFilter: '(objectClass=tesseraAdLike)',
        attributes: { preset: 'activeDirectory' },
        roleMapping: [{ group: groupDn('admins'), role: 'admin' }],
      }),
      SYSTEM_ACTOR,
    );
    expect((await planDirectorySync(s)).roles).toEqual([]);
  }, 30_000);

  it('an operator whose person is disabled in the directory is disabled with them, sessions ended; re-enabling the person is not re-enabling the console', async () => {
    const op = await createOperator(s, { username: 'user00061', role: 'helpdesk', password: 'operator password 2026' }, SYSTEM_ACTOR);
    s.store.operators.update(op.id, { status: 'active' });
    s.store.sessions.insert({
      id_hash: 'leaver-session-hash',
      operator_id: op.id,
      created_at: now,
      last_seen_at: now,
      expires_at: now + 3_600_000,
      ip: null,
      user_agent: null,
    });
    expect((await planDirectorySync(s)).operatorsDisabled).toEqual([]);

    await replace('user00061', 'userAccountControl', ['514']);
    const plan = await planDirectorySync(s);
    expect(plan.disable).toEqual([{ username: 'user00061', why: 'disabled_in_directory' }]);
    expect(plan.operatorsDisabled).toEqual([{ operator: 'user00061', why: 'disabled_in_directory' }]);
    const r = await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(r.operatorsDisabled).toBe(1);
    expect(s.store.operators.findByKey('user00061')?.status).toBe('disabled');
    expect(s.store.sessions.find('leaver-session-hash')).toBeUndefined(); // the console session ended with it

    await replace('user00061', 'userAccountControl', ['512']);
    const back = await applyDirectorySync(s, SYSTEM_ACTOR);
    expect(back).toMatchObject({ counts: { reEnable: 1 }, operatorsDisabled: 0 });
    expect(getUser(s, 'user00061').disabled).toBe(false);
    expect(s.store.operators.findByKey('user00061')?.status).toBe('disabled');
  }, 30_000);
});
