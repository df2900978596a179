import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../testing/harness';
import type { Actor, Services } from './index';
import { createUser } from './users';
import { updateSettings } from './settings';
import { setSmtpTransport } from './delivery/transports';
import { startSmtpServer } from '../testing/smtpServer';
import { applyUserImport, MAX_IMPORT_ROWS, planUserImport, planUserImportAsync, readUserCsv, type ImportProgress } from './userImport';

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
let t: TestServices;
let s: Services;

beforeEach(() => {
  t = openTestServices({ prefix: 'tessera-import-' });
  s = t.services;
});
afterEach(() => {
  t.close();
});

describe('readUserCsv', () => {
  it('maps header variants, ignores unknown columns and numbers rows by file line', () => {
    const { rows, ignoredColumns } = readUserCsv('\uFEFFUser Name,E-Mail,displayName,Department\nalice,a@example.org,"Alice\nAnders",IT\n\nbob,,,\n');
    expect(ignoredColumns).toEqual(['Department']);
    expect(rows).toEqual([
      { row: 2, username: 'alice', email: 'a@example.org', displayName: 'Alice\nAnders' },
      { row: 5, username: 'bob', email: '', displayName: '' },
    ]);
    expect(readUserCsv('username,display_name\nx,y').rows).toEqual([{ row: 2, username: 'x', displayName: 'y' }]);
    expect(readUserCsv('username;display name\nx;Doe, John').rows).toEqual([{ row: 2, username: 'x', displayName: 'Doe, John' }]);
  });

  it('refuses what it cannot read, with a clear message', () => {
    expect(() => readUserCsv('')).toThrow(/empty/);
    expect(() => readUserCsv('name,mail\nx,y')).toThrow(/no username column/);
    expect(() => readUserCsv('username,user\nx,y')).toThrow(/username column twice/);
    expect(() => readUserCsv('username\n"unterminated\n')).toThrow(/not valid CSV/);
    expect(() => readUserCsv(Buffer.from([0x75, 0x0a, 0xe9, 0x0a]))).toThrow(/not UTF-8/);
  });

  it('enforces the row and size limits', () => {
    const many = `username\n${'x\n'.repeat(MAX_IMPORT_ROWS + 1)}`;
    expect(() => readUserCsv(many)).toThrow(/more than 200,000 rows/);
    expect(readUserCsv(`username\n${'x\n'.repeat(MAX_IMPORT_ROWS)}`).rows).toHaveLength(MAX_IMPORT_ROWS);
    expect(() => readUserCsv(Buffer.alloc(50 * 1024 * 1024 + 1, 0x61))).toThrow(/limit is 50 MB/);
  });
});

describe('planUserImport', () => {
  it('sorts rows into create, skip and reject, with reasons, and changes nothing', () => {
    createUser(s, { username: 'Existing' }, actor);
    const before = s.store.audit.stats();
    const plan = planUserImport(s, [
      { row: 2, username: 'alice', email: 'alice@example.org', displayName: 'Alice' },
      { row: 3, username: 'bob', email: 'bob@' },
      { row: 4, username: '   ' },
      { row: 5, username: ' ALICE ' },
      { row: 6, username: 'existing' },
      { row: 7, username: 'z\u200Bz' },
      { row: 8, username: 'x'.repeat(129) },
      { row: 9, username: 'carol', email: '  ', displayName: '' },
      { row: 10, username: 'ｄａｖｅ' }, // full-width: NFKC makes it "dave"
      { row: 11, username: 'dave' },
    ]);
    expect(plan.total).toBe(10);
    expect(plan.create.map((c) => [c.row, c.input])).toEqual([
      [2, { username: 'alice', email: 'alice@example.org', displayName: 'Alice' }],
      [9, { username: 'carol' }],
      [10, { username: 'dave' }],
    ]);
    expect(plan.skip).toEqual([
      { row: 5, username: 'ALICE', reason: 'duplicate in file' },
      { row: 6, username: 'existing', reason: 'already exists' },
      { row: 11, username: 'dave', reason: 'duplicate in file' },
    ]);
    expect(plan.reject).toEqual([
      { row: 3, reason: 'Email is not a valid address' },
      { row: 4, reason: 'Username must not be empty' },
      { row: 7, reason: 'Username contains invisible or control characters' },
      { row: 8, reason: 'Username must be at most 128 characters' },
    ]);
    expect(s.store.audit.stats()).toEqual(before);
    expect(s.store.users.count()).toBe(1);
  });

  it("the server's async planner gives the same plan, across its yields, and lets other work run meanwhile", async () => {
    createUser(s, { username: 'user-1500' }, actor);
    const many = Array.from({ length: 2600 }, (_, i) => ({
      row: i + 2,
      username: i % 900 === 5 ? 'dup' : `user-${i}`,
      email: i % 700 === 3 ? 'not-an-email' : `u${i}@example.org`,
    }));
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const planned = await planUserImportAsync(s, many);
    order.push('plan done');
    expect(order).toEqual(['other work', 'plan done']);
    expect(planned).toEqual(planUserImport(s, many));
    expect(planned.skip.map((k) => k.reason).sort()).toEqual(['already exists', 'duplicate in file', 'duplicate in file']);
  });
});

describe('applyUserImport', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ row: i + 2, username: `user${i}` }));

  it('creates in chunks, one audit entry per user, reporting progress', async () => {
    const plan = planUserImport(s, rows(25));
    const progress: ImportProgress[] = [];
    const result = await applyUserImport(s, plan, actor, { chunkSize: 10, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ created: 25, skipped: [], cancelled: false, notAttempted: 0, emailCodes: { sent: 0, failed: 0, firstError: null } });
    expect(progress.map((p) => p.done)).toEqual([10, 20, 25]);
    expect(s.store.users.count()).toBe(25);
    const page = s.audit.query({ order: 'asc', limit: 100, action: 'user.create' });
    expect(page.items).toHaveLength(25);
    expect(page.items.every((e) => e.details?.import === true && e.actor.name === 'test')).toBe(true);
    expect((await s.audit.verify()).ok).toBe(true);
  });

  it('with enrollEmail: each new user with an address gets a pending email factor and a mailed code; a refused send is counted, the import goes on', async () => {
    const smtp = await startSmtpServer({ rejectMessage: (m) => (JSON.stringify(m.to).includes('bounce') ? 'No such mailbox' : '') });
    try {
      await expect(applyUserImport(s, planUserImport(s, rows(1)), actor, { enrollEmail: true })).rejects.toMatchObject({ code: 'method_disabled' });
      updateSettings(s, { methods: { email: true } }, actor);
      await expect(applyUserImport(s, planUserImport(s, rows(1)), actor, { enrollEmail: true })).rejects.toMatchObject({ code: 'delivery_unconfigured' });
      setSmtpTransport(
        s,
        { host: '127.0.0.1', port: smtp.port, tls: 'none', username: null, from: 'mfa@example.org', verifyCertificate: true, timeoutMs: 3000 },
        actor,
      );
      const plan = planUserImport(s, [
        { row: 2, username: 'ann', email: 'ann@example.org', phone: '+44 7911 123456' },
        { row: 3, username: 'bob' },
        { row: 4, username: 'cat', email: 'bounce@example.org' },
      ]);
      const result = await applyUserImport(s, plan, actor, { enrollEmail: true });
      expect(result.created).toBe(3);
      expect(result.emailCodes).toEqual({
        sent: 1,
        failed: 1,
        firstError: expect.stringMatching(/^cat: The code could not be sent by email: .*No such mailbox/),
      });
      expect(smtp.messages.map((m) => JSON.stringify(m.to))).toEqual([expect.stringContaining('ann@example.org')]);
      const ann = s.store.users.findByKey('ann')!;
      expect(ann.phone).toBe('+447911123456');
      expect(s.store.factors.listByUser(ann.id).map((f) => [f.type, f.status, f.destination])).toEqual([['email', 'pending', 'ann@example.org']]);
      expect(s.store.factors.listByUser(s.store.users.findByKey('cat')!.id)).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it('skips users created between plan and apply', async () => {
    const plan = planUserImport(s, rows(3));
    createUser(s, { username: 'USER1' }, actor);
    const result = await applyUserImport(s, plan, actor);
    expect(result.created).toBe(2);
    expect(result.skipped).toEqual([{ row: 3, username: 'user1', reason: 'already exists' }]);
  });

  it('stops between chunks when aborted; committed chunks stay', async () => {
    const plan = planUserImport(s, rows(30));
    const controller = new AbortController();
    const result = await applyUserImport(s, plan, actor, {
      chunkSize: 10,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 10) controller.abort();
      },
    });
    expect(result).toMatchObject({ created: 10, cancelled: true, notAttempted: 20 });
    expect(s.store.users.count()).toBe(10);
    expect(s.audit.query({ order: 'asc', limit: 100, action: 'user.create' }).items).toHaveLength(10);
  });

  it('yields to the event loop between chunks', async () => {
    const plan = planUserImport(s, rows(6));
    let seen = -1;
    const done = applyUserImport(s, plan, actor, { chunkSize: 2 });
    setImmediate(() => (seen = s.store.users.count()));
    await done;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(6);
    expect(s.store.users.count()).toBe(6);
  });
});
