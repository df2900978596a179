import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekData } from '../../testing/harness';
import { rawSqlite } from '../../store/testing';
import { resolveRadiusClient } from '../../services/radius/clients';
import { run, tempDir } from '../testkit';

let root: string;
let data: string;
const SECRET = 'cli-radius-secret-0123';

beforeAll(async () => {
  root = tempDir('tessera-cli-radius-');
  data = path.join(root, 'data');
  expect((await run(['init', '--data', data])).code).toBe(0);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('tessera radius client', () => {
  it('adds, lists and removes clients; the secret is sealed at rest and never printed', async () => {
    const add = await run([
      'radius',
      'client',
      'add',
      '--name',
      'office-vpn',
      '--address',
      '192.0.2.0/24',
      '--secret',
      SECRET,
      '--mode',
      'challenge',
      '--data',
      data,
    ]);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/^Added RADIUS client \S+ "office-vpn" \(192\.0\.2\.0\/24, mode challenge\)\.\n$/);
    const six = await run([
      'radius',
      'client',
      'add',
      '--name',
      'wifi',
      '--address',
      '2001:db8::/32',
      '--secret',
      SECRET,
      '--no-message-authenticator',
      '--data',
      data,
    ]);
    expect(six.stdout).toContain('mode code, Message-Authenticator not required');
    const host = await run(['radius', 'client', 'add', '--name', 'one-nas', '--address', '192.0.2.7', '--secret', `${SECRET}x`, '--data', data]);
    expect(host.code).toBe(0);

    const list = await run(['radius', 'client', 'list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/office-vpn\s+192\.0\.2\.0\/24\s+challenge\s+required/);
    expect(list.stdout).toMatch(/wifi\s+2001:db8::\/32\s+code\s+optional/);
    expect(list.stdout).not.toContain(SECRET);

    peekData(data, (s) => {
      const dump = JSON.stringify(rawSqlite(s.store).prepare('SELECT * FROM radius_clients').all());
      expect(dump).not.toContain(SECRET);
      const sealed = rawSqlite(s.store).prepare<[], { secret_sealed: Buffer }>('SELECT secret_sealed FROM radius_clients').all();
      expect(sealed.every((r) => !r.secret_sealed.includes(SECRET))).toBe(true);
      // The most specific block wins; IPv4-mapped sources and IPv6 match too; others are unknown.
      expect(resolveRadiusClient(s, '192.0.2.7')).toMatchObject({ name: 'one-nas', secret: Buffer.from(`${SECRET}x`) });
      expect(resolveRadiusClient(s, '::ffff:192.0.2.8')).toMatchObject({ name: 'office-vpn', mode: 'challenge', secret: Buffer.from(SECRET) });
      expect(resolveRadiusClient(s, '2001:db8:1::5')).toMatchObject({ name: 'wifi', requireMessageAuthenticator: false });
      expect(resolveRadiusClient(s, '198.51.100.1')).toBeNull();
      const actions = rawSqlite(s.store)
        .prepare<[], { action: string; actor_name: string; details: string }>("SELECT action, actor_name, details FROM audit_log WHERE action LIKE 'radius.%'")
        .all();
      expect(actions.map((a) => a.action)).toEqual(['radius.client.add', 'radius.client.add', 'radius.client.add']);
      expect(actions.every((a) => a.actor_name.startsWith('cli:') && !a.details.includes(SECRET))).toBe(true);
    });

    const removed = await run(['radius', 'client', 'remove', 'wifi', '--data', data]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^Removed RADIUS client \S+ "wifi"/);
    expect((await run(['radius', 'client', 'list', '--data', data])).stdout).not.toContain('wifi');
  });

  it('refuses a short secret, a bad address, a bad mode, a taken name and an unknown client, changing nothing', async () => {
    const base = ['radius', 'client', 'add', '--data', data];
    const short = await run([...base, '--name', 'x', '--address', '192.0.2.1', '--secret', 'short-secret']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 16 characters');
    const badAddress = await run([...base, '--name', 'x', '--address', '192.0.2.300', '--secret', SECRET]);
    expect(badAddress.code).toBe(1);
    expect(badAddress.stderr).toContain('IP address or a CIDR block');
    const badMode = await run([...base, '--name', 'x', '--address', '192.0.2.1', '--secret', SECRET, '--mode', 'pap']);
    expect(badMode.code).toBe(1);
    expect(badMode.stderr).toContain('Mode must be');
    const taken = await run([...base, '--name', 'OFFICE-VPN', '--address', '192.0.2.1', '--secret', SECRET]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('exists already');
    expect((await run(['radius', 'client', 'remove', 'nope', '--data', data])).code).toBe(1);
    expect((await run([...base, '--address', '192.0.2.1', '--secret', SECRET])).code).toBe(2);
    expect((await run(['radius', 'client', 'frob', '--data', data])).code).toBe(2);
    expect((await run(['radius', 'client', 'list', '--data', data])).stdout.match(/^\S+\s+\S+\s+192\.0\.2\.1\s/m)).toBeNull();
  });
});
