import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTessera } from '../../tessera';
import { SYSTEM_ACTOR, type Services } from '../index';
import { issueSetupToken } from '../setup';
import { rawConnection } from '../../store/testing';
import { PASSWORD_HASH_CONCURRENCY, PASSWORD_HASH_QUEUE, passwordLane } from '../hashLanes';
import { beginSetup, login } from './login';

const meta = { ip: '192.0.2.9', userAgent: 'test' };
const PASSWORD = 'a long enough password';
let dir: string;
let s: Services;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-setup-'));
  s = openTessera({ dataDir: dir, env: {} });
});
afterEach(() => {
  s.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('beginSetup', () => {
  it('a live link makes a pending first admin with one entry, and an enrollment step; the link is then spent', async () => {
    const { token } = issueSetupToken(s, SYSTEM_ACTOR)!;
    const step = await beginSetup(s, { token, username: 'Root', password: PASSWORD }, meta);
    expect(step).toMatchObject({ next: 'enroll', ticket: expect.any(String), otpauthUri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    expect(s.store.operators.findByKey('root')).toMatchObject({ role: 'admin', status: 'pending', totp_sealed: null });
    const created = s.audit.query({ order: 'asc', limit: 10 }).items.filter((e) => e.action === 'operator.create');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actor: { kind: 'system', name: 'setup-link' }, ip: '192.0.2.9', details: { role: 'admin', firstAdmin: true } });
    await expect(beginSetup(s, { token, username: 'second', password: PASSWORD }, meta)).rejects.toThrow(/already set up/);
  });

  it('a weak password or a wrong link is refused and nothing is created', async () => {
    issueSetupToken(s, SYSTEM_ACTOR);
    await expect(beginSetup(s, { token: 'not-the-token', username: 'root', password: 'short' }, meta)).rejects.toThrow(/at least 12 characters/);
    await expect(beginSetup(s, { token: 'not-the-token', username: 'root', password: PASSWORD }, meta)).rejects.toThrow(/setup link is not valid/);
    expect(s.store.operators.count()).toBe(0);
  });
});

describe('login while the password lane is full', () => {
  it('is refused at once (429), before the name is leased or read: the attempt writes nothing', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = Array.from({ length: PASSWORD_HASH_CONCURRENCY + PASSWORD_HASH_QUEUE }, () => passwordLane.run(() => gate));
    try {
      await vi.waitFor(() => expect(passwordLane.stats()).toMatchObject({ running: PASSWORD_HASH_CONCURRENCY, waiting: PASSWORD_HASH_QUEUE }));
      const changes = () => (rawConnection(s.store).prepare('SELECT total_changes() AS n').get() as { n: number }).n;
      const before = changes();
      await expect(login(s, { username: 'someone-new', password: PASSWORD }, meta)).rejects.toMatchObject({ code: 'throttled' });
      // Without the early refusal the name's lease was taken and released (two writes) before the lane said no.
      expect(changes()).toBe(before);
    } finally {
      open();
      await Promise.all(held);
    }
  });
});
