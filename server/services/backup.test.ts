import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTessera } from '../tessera';
import { dbPath, loadMasterKey } from '../runtime/dataDir';
import { backupDatabase, checkBackup, restoreDatabase } from './backup';
import type { Actor, Services } from './index';
import { createUser } from './users';

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
let dir: string;
let data: string;
let s: Services;
let key: Buffer;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-backup-'));
  data = path.join(dir, 'data');
  s = openTessera({ dataDir: data, env: {} });
  key = loadMasterKey(data, { createIfNew: false, env: {} }).key;
});
afterEach(() => {
  s.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('backupDatabase', () => {
  it('writes a 0600 copy that holds its own audit entry, while the store stays open', async () => {
    createUser(s, { username: 'alice' }, actor);
    const file = path.join(dir, 'b.db');
    const r = await backupDatabase(s, file, actor);
    expect(r.file).toBe(file);
    expect(r.bytes).toBe(fs.statSync(file).size);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(s.store.audit.bySeq(r.throughSeq)).toMatchObject({ action: 'system.backup', outcome: 'success' });
    createUser(s, { username: 'bob' }, actor); // the live store still works

    const check = await checkBackup(file, key);
    expect(check.entries).toBe(r.throughSeq);
    const copy = new Database(file, { readonly: true });
    try {
      expect(copy.prepare('SELECT username FROM users ORDER BY username').pluck().all()).toEqual(['alice']);
    } finally {
      copy.close();
    }
  });

  it('never overwrites an existing file', async () => {
    const file = path.join(dir, 'exists.db');
    fs.writeFileSync(file, 'precious');
    const before = s.store.audit.stats();
    await expect(backupDatabase(s, file, actor)).rejects.toThrow(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
    expect(s.store.audit.stats()).toEqual(before);
  });
});

describe('checkBackup', () => {
  it('refuses a non-SQLite file, a SQLite file that is not Tessera, the wrong master key and a broken audit log', async () => {
    const text = path.join(dir, 'text.db');
    fs.writeFileSync(text, 'not a database at all, just some text');
    await expect(checkBackup(text, key)).rejects.toThrow(/not a SQLite database/);

    const other = path.join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    await expect(checkBackup(other, key)).rejects.toThrow(/not a Tessera database/);

    const file = path.join(dir, 'b.db');
    await backupDatabase(s, file, actor);
    await expect(checkBackup(file, randomBytes(32))).rejects.toThrow(/master key does not open/);

    const broken = path.join(dir, 'broken.db');
    fs.copyFileSync(file, broken);
    const b = new Database(broken);
    b.prepare("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1").run();
    b.close();
    await expect(checkBackup(broken, key)).rejects.toThrow(/does not verify \(entry #1: hash_mismatch\)/);
    // The check works on throw-away copies and leaves nothing behind.
    expect(fs.readdirSync(dir).filter((f) => f.includes('restore-check'))).toEqual([]);
  });
});

describe('restoreDatabase', () => {
  it('puts the backup in place, keeps the old database aside and records the restore', async () => {
    createUser(s, { username: 'before' }, actor);
    const file = path.join(dir, 'b.db');
    const backup = await backupDatabase(s, file, actor);
    createUser(s, { username: 'after' }, actor);
    s.store.close();

    const now = Date.UTC(2026, 0, 25, 12, 0, 0);
    const r = await restoreDatabase({ dbFile: dbPath(data), backupFile: file, masterKey: key, actor, clock: () => now });
    expect(r.movedAside).toBe(`${dbPath(data)}.before-restore-20260125T120000Z`);
    expect(r.entries).toBe(backup.throughSeq);
    expect(r.restoreSeq).toBe(backup.throughSeq + 1);

    s = openTessera({ dataDir: data, env: {} });
    expect(s.store.users.findByKey('before')).toBeDefined();
    expect(s.store.users.findByKey('after')).toBeUndefined();
    expect(s.store.audit.bySeq(r.restoreSeq)).toMatchObject({ action: 'system.restore', actor_name: 'test' });
    expect(await s.audit.verify()).toMatchObject({ ok: true, entries: r.restoreSeq });

    const old = new Database(r.movedAside!, { readonly: true });
    try {
      expect(old.prepare("SELECT count(*) FROM users WHERE username = 'after'").pluck().get()).toBe(1);
    } finally {
      old.close();
    }
    // A second restore in the same second does not clobber the first one's saved database.
    s.store.close();
    const again = await restoreDatabase({ dbFile: dbPath(data), backupFile: file, masterKey: key, actor, clock: () => now });
    expect(again.movedAside).toBe(`${dbPath(data)}.before-restore-20260125T120000Z-2`);
    s = openTessera({ dataDir: data, env: {} });
  });

  it('sweeps the scratch copies a crashed check or restore left a day ago; young ones stay', async () => {
    const file = path.join(dir, 'b.db');
    await backupDatabase(s, file, actor);
    s.store.close();
    const db = dbPath(data);
    const leftovers = [`${db}.restore-aaaaaaaaaaaa`, `${db}.restore-aaaaaaaaaaaa-journal`, path.join(data, '.tessera-restore-check-bbbbbbbbbbbb.db')];
    const young = `${db}.restore-cccccccccccc`;
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    for (const f of [...leftovers, young]) fs.writeFileSync(f, 'x');
    for (const f of leftovers) fs.utimesSync(f, dayAgo, dayAgo);
    await restoreDatabase({ dbFile: db, backupFile: file, masterKey: key, actor });
    for (const f of leftovers) expect(fs.existsSync(f), f).toBe(false);
    expect(fs.existsSync(young)).toBe(true);
    s = openTessera({ dataDir: data, env: {} });
  });

  it('refuses while the database is open in another connection, and changes nothing', async () => {
    const file = path.join(dir, 'b.db');
    await backupDatabase(s, file, actor);
    const before = fs.readdirSync(data).sort();
    await expect(restoreDatabase({ dbFile: dbPath(data), backupFile: file, masterKey: key, actor })).rejects.toThrow(/open in another process/);
    expect(fs.readdirSync(data).sort()).toEqual(before);
    expect((await s.audit.verify()).ok).toBe(true);
  });

  it('restores into an empty data folder (a new machine) with the master key', async () => {
    const file = path.join(dir, 'b.db');
    await backupDatabase(s, file, actor);
    const fresh = path.join(dir, 'fresh');
    fs.mkdirSync(fresh);
    const r = await restoreDatabase({ dbFile: dbPath(fresh), backupFile: file, masterKey: key, actor });
    expect(r.movedAside).toBeNull();
    expect(fs.statSync(dbPath(fresh)).mode & 0o777).toBe(0o600);
  });
});
