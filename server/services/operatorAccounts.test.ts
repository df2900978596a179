import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../core/passwords';
import { openTestServices, type TestServices } from '../testing/harness';
import type { Actor, Services } from './index';
import { createFirstAdmin } from './operatorAccounts';

const actor: Actor = { kind: 'system', id: null, name: 'cli:test', ip: null };
let t: TestServices;
let s: Services;

beforeEach(() => {
  t = openTestServices({ prefix: 'tessera-ops-' });
  s = t.services;
});
afterEach(() => {
  t.close();
});

describe('createFirstAdmin', () => {
  it('creates a pending admin with a hashed password and one audit entry', async () => {
    const created = await createFirstAdmin(s, { username: '  Root ', password: 'a long enough password' }, actor);
    expect(created.username).toBe('Root');
    const row = s.store.operators.findByKey('root')!;
    expect(row).toMatchObject({ role: 'admin', status: 'pending', totp_sealed: null });
    expect(await verifyPassword('a long enough password', row.password_hash!)).toBe(true);
    const entries = s.audit.query({ order: 'asc', limit: 10 }).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'operator.create',
      actor: { name: 'cli:test' },
      details: { operatorId: row.id, role: 'admin', firstAdmin: true },
    });
  });

  it('is refused once any operator exists, and for a weak password or a bad name; nothing is written', async () => {
    await expect(createFirstAdmin(s, { username: 'root', password: 'short' }, actor)).rejects.toThrow(/Use at least 12 characters/);
    await expect(createFirstAdmin(s, { username: 'ro\u200Bot', password: 'a long enough password' }, actor)).rejects.toThrow(/invisible/);
    expect(s.store.audit.stats().count).toBe(0);
    await createFirstAdmin(s, { username: 'root', password: 'a long enough password' }, actor);
    await expect(createFirstAdmin(s, { username: 'second', password: 'a long enough password' }, actor)).rejects.toThrow(/already exists/);
    expect(s.store.operators.count()).toBe(1);
  });

  it('two at once make one admin', async () => {
    const results = await Promise.allSettled([
      createFirstAdmin(s, { username: 'one', password: 'a long enough password' }, actor),
      createFirstAdmin(s, { username: 'two', password: 'a long enough password' }, actor),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(s.store.operators.count()).toBe(1);
  });
});
