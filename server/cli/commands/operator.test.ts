import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../core/passwords';
import { peekData } from '../../testing/harness';
import { lastLine, run, tempDir } from '../testkit';

const ADMIN_PASSWORD = 'the first admin passphrase';
let data: string;

beforeEach(async () => {
  data = tempDir('tessera-cli-operator-');
  const init = await run(['init', '--data', data, '--admin', 'root', '--admin-password-stdin'], { stdin: `${ADMIN_PASSWORD}\n` });
  expect(init.code).toBe(0);
});
afterEach(() => fs.rmSync(data, { recursive: true, force: true }));

describe('tessera operator reset-password', () => {
  it('prints a temporary password (last line) that signs in and must be changed; audited as the CLI account', async () => {
    const r = await run(['operator', 'reset-password', 'ROOT', '--data', data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Password of "root" reset; 0 sessions ended.');
    expect(r.stdout).toContain('at sign-in they must choose a new one');
    const temporary = lastLine(r.stdout);
    expect(temporary).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const row = peekData(data, (s) => s.store.operators.findByKey('root')!);
    expect(row).toMatchObject({ password_must_change: 1, status: 'pending' });
    expect(await verifyPassword(temporary, row.password_hash!)).toBe(true);
    expect(await verifyPassword(ADMIN_PASSWORD, row.password_hash!)).toBe(false);
    const entry = peekData(data, (s) => s.audit.query({ action: 'operator.password.reset', order: 'asc', limit: 5 }).items);
    expect(entry).toMatchObject([{ actor: { kind: 'system', name: expect.stringMatching(/^cli:/) }, details: { operator: 'root', generated: true } }]);
    expect(JSON.stringify(entry)).not.toContain(temporary);

    const list = await run(['operator', 'list', '--data', data]);
    expect(list.stdout).toMatch(/root\s+Administrator\s+awaiting first sign-in\s+temporary, until /);
  });

  it('takes a typed one from stdin, checked by the same rules; an unknown name or a weak password changes nothing', async () => {
    const before = peekData(data, (s) => s.store.operators.findByKey('root')!.password_hash);
    const weak = await run(['operator', 'reset-password', 'root', '--password-stdin', '--data', data], { stdin: 'short\n' });
    expect(weak).toMatchObject({ code: 1, stderr: 'Use at least 12 characters.\n' });
    const unknown = await run(['operator', 'reset-password', 'nobody', '--data', data]);
    expect(unknown).toMatchObject({ code: 1, stderr: 'No operator named "nobody" (tessera operator list shows them)\n' });
    expect(peekData(data, (s) => s.store.operators.findByKey('root')!.password_hash)).toBe(before);
    expect(peekData(data, (s) => s.audit.query({ action: 'operator.password.reset', order: 'asc', limit: 5 }).items)).toEqual([]);

    const typed = await run(['operator', 'reset-password', 'root', '--password-stdin', '--second-factor', '--data', data], {
      stdin: 'a typed temporary one\n',
    });
    expect(typed.code).toBe(0);
    expect(typed.stdout).not.toContain('a typed temporary one');
    expect(typed.stdout).toContain('Their second factor is reset too');
    const row = peekData(data, (s) => s.store.operators.findByKey('root')!);
    expect(await verifyPassword('a typed temporary one', row.password_hash!)).toBe(true);
    expect(row).toMatchObject({ totp_sealed: null, password_must_change: 1 });
  });

  it('needs a name', async () => {
    expect(await run(['operator', 'reset-password', '--data', data])).toMatchObject({ code: 2 });
  });
});
