import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../services/index';
import { getUser } from '../../services/users';
import { setDirectoryConfig } from '../../services/directory/index';
import { openTestServices, type TestServices } from '../../testing/harness';
import { BASE_DN, BIND_DN, BIND_PASSWORD, startSlapd, type TestSlapd } from '../../testing/slapd';
import { run } from '../testkit';

/** `tessera directory test|sync` against a real slapd (a small one: the sync rules are tested in services/directory). */

let slapd: TestSlapd;
let t: TestServices;

beforeAll(async () => {
  slapd = await startSlapd({ users: 40, sizeLimit: 10 });
  t = openTestServices({ prefix: 'tessera-cli-dir-' });
  setDirectoryConfig(
    t.services,
    {
      url: slapd.url,
      tls: 'none',
      bindDn: BIND_DN,
      bindPassword: BIND_PASSWORD,
      baseDn: BASE_DN,
      userFilter: '(objectClass=tesseraAdLike)',
      attributes: { preset: 'activeDirectory' },
      pageSize: 10,
    },
    SYSTEM_ACTOR,
  );
}, 30_000);

afterAll(async () => {
  t?.close();
  await slapd?.stop();
});

describe('tessera directory', () => {
  it('test | sync --dry-run | sync | --dry-run with --confirm is bad usage', async () => {
    const data = ['--data', t.dataDir];
    const tested = await run(['directory', 'test', ...data]);
    expect(tested).toMatchObject({ code: 0, stdout: expect.stringMatching(/found 40 users[\s\S]*Users found: 40 \(e\.g\. user00001/) });
    const dry = await run(['directory', 'sync', '--dry-run', ...data]);
    expect(dry).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Directory entries found: 40\nAdd 40, update 0, disable 0[\s\S]*Guard: disables 0 of 0/),
    });
    expect(t.services.store.users.count()).toBe(0);
    expect(await run(['directory', 'sync', ...data])).toMatchObject({
      code: 0,
      stdout: 'Added 40, updated 0, disabled 0, re-enabled 0, unchanged 0, skipped 0.\n',
    });
    const admin = await slapd.admin();
    await admin.modify(slapd.dnOf('user00007'), new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Seven'] }) }));
    await admin.unbind();
    expect(await run(['directory', 'sync', '--dry-run', ...data])).toMatchObject({ stdout: expect.stringMatching(/Update:\n {2}user00007: displayName\n/) });
    expect(await run(['directory', 'sync', ...data])).toMatchObject({ code: 0, stdout: expect.stringMatching(/updated 1/) });
    expect(getUser(t.services, 'user00007').displayName).toBe('Seven');
    expect(await run(['directory', 'sync', '--dry-run', '--confirm', ...data])).toMatchObject({ code: 2 });
  });

  it('a directory that cannot be reached: one line on stderr, exit 1', async () => {
    const other = openTestServices({ prefix: 'tessera-cli-dir-' });
    try {
      setDirectoryConfig(
        other.services,
        {
          url: 'ldap://127.0.0.1:1',
          tls: 'none',
          bindDn: BIND_DN,
          bindPassword: 'x',
          baseDn: BASE_DN,
          userFilter: '(uid=*)',
          attributes: { preset: 'openldap' },
        },
        SYSTEM_ACTOR,
      );
      const r = await run(['directory', 'sync', '--data', other.dataDir]);
      expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Could not connect to 127\.0\.0\.1:1: connection refused.*\n$/) });
      expect(await run(['directory', 'test', '--data', other.dataDir])).toMatchObject({ code: 1, stderr: expect.stringMatching(/failed at connect/) });
    } finally {
      other.close();
    }
  });
});
