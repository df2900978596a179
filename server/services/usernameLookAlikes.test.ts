import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../shared/schemas/userImport';
import { usernameSkeleton } from '../core/usernames/skeleton';
import { openTessera } from '../tessera';
import { MIGRATIONS } from '../store/migrations/index';
import { startTestServer, type TestServer } from '../testing/harness';
import { SYSTEM_ACTOR } from './index';
import { createOperator } from './operatorAccounts';
import { applyUserImport, planUserImport } from './userImport';
import { createUser, deleteUser } from './users';
import { rawSqlite } from '../store/testing';

/**
 * Look-alike usernames (finding 10): "аlice" with a Cyrillic "а" beside an
 * existing "alice" is refused in every way users are created — REST, the
 * console (tRPC) and the CSV import (the CLI: server/cli/commands/userLookAlike.test.ts)
 * — with conflict and the existing name; names that mix scripts are refused outright; old look-alikes stay.
 */
const CYRILLIC_ALICE = '\u0430lice'; // а (U+0430) + "lice": mixed, and the skeleton of "alice"
const CYRILLIC_ACE = '\u0430\u0441\u0435'; // "асе", all Cyrillic: one script, the skeleton of "ace"

let srv: TestServer;
let cookie: string;

beforeAll(async () => {
  srv = await startTestServer();
  cookie = await srv.signIn('op-admin', 'admin');
  for (const u of ['alice', 'ace', 'bob']) await srv.createUser(u);
});
afterAll(async () => {
  await srv.close();
});

describe('REST POST /api/v1/users', () => {
  it('refuses a look-alike of an existing user with conflict, naming them, and changes nothing', async () => {
    const before = srv.snapshot();
    for (const [username, existing] of [
      [CYRILLIC_ALICE, 'alice'],
      [CYRILLIC_ACE, 'ace'],
      ['b0b', 'bob'],
      ['AL\u0406CE', 'alice'],
    ] as const) {
      const r = await srv.call('POST', '/api/v1/users', { key: srv.keys.provision, body: { username } });
      expect(r.status, username).toBe(409);
      expect(r.json.error.code).toBe('conflict');
      expect(r.json.error.message).toContain(`looks like the existing user "${existing}"`);
    }
    expect(srv.snapshot()).toBe(before);
  });

  it('refuses a name that mixes Latin and Cyrillic or Greek letters, even with no look-alike', async () => {
    for (const username of ['p\u0430ypal', 'z\u03bfe']) {
      const r = await srv.call('POST', '/api/v1/users', { key: srv.keys.provision, body: { username } });
      expect(r.status, username).toBe(400);
      expect(r.json.error.message).toMatch(/mixes Latin and (Cyrillic|Greek) letters/);
    }
    // One script at a time is fine, and so is Latin beside Japanese.
    for (const username of ['\u0430\u043d\u043d\u0430', '\u03b1\u03bb\u03b5\u03be', '\u5c71\u7530-taro', 'j\u00fcrgen']) {
      const r = await srv.call('POST', '/api/v1/users', { key: srv.keys.provision, body: { username } });
      expect(r.status, `${username}: ${r.text}`).toBe(201);
    }
  });
});

describe('console users.create (tRPC)', () => {
  it('refuses a look-alike with conflict, naming the existing user', async () => {
    const r = await srv.call('POST', '/trpc/users.create', { body: { username: CYRILLIC_ACE }, headers: { cookie, 'x-tessera-csrf': '1' } });
    expect(r.status).toBe(409);
    expect(r.text).toContain('looks like the existing user \\"ace\\"');
    expect(srv.services.store.users.findByKey(CYRILLIC_ACE)).toBeUndefined();
  });
});

describe('CSV import', () => {
  it('the preview rejects look-alikes of existing users and of earlier rows, and mixed-script names', async () => {
    const file = ['username', 'carol', CYRILLIC_ACE, 'rnallory', 'mallory', 'c\u0430rl', 'dave'].join('\n');
    const r = await srv.call('POST', '/console/users/import/preview', {
      rawBody: file,
      headers: { 'content-type': 'text/csv', 'x-tessera-csrf': '1', cookie },
    });
    expect(r.status, r.text).toBe(200);
    const p = r.json as ImportPreview;
    expect(p.rows.map((x) => [x.row, x.outcome, x.reason])).toEqual([
      [2, 'create', null],
      [3, 'reject', expect.stringContaining('looks like the existing user "ace"')],
      [4, 'create', null],
      [5, 'reject', 'Username "mallory" looks like "rnallory" on line 4 of this file'],
      [6, 'reject', expect.stringMatching(/mixes Latin and Cyrillic letters/)],
      [7, 'create', null],
    ]);
  });

  it('an import skips a user whose look-alike appeared after the preview', async () => {
    const plan = planUserImport(srv.services, [
      { row: 2, username: 'rnary' },
      { row: 3, username: 'frank' },
    ]);
    expect(plan.create).toHaveLength(2);
    createUser(srv.services, { username: 'mary' }, SYSTEM_ACTOR); // "rn" reads as "m"
    const result = await applyUserImport(srv.services, plan, SYSTEM_ACTOR);
    expect(result.created).toBe(1);
    expect(result.skipped).toEqual([{ row: 2, username: 'rnary', reason: 'looks like an existing user' }]);
  });
});

describe('operators', () => {
  it('a new operator may not look like another one, nor mix scripts', async () => {
    await expect(
      createOperator(srv.services, { username: 'op-\u0430dmin', role: 'helpdesk', password: 'a long enough password' }, SYSTEM_ACTOR),
    ).rejects.toThrow(/looks like the existing operator "op-admin"/);
    await expect(createOperator(srv.services, { username: 'rn\u0430x', role: 'helpdesk', password: 'a long enough password' }, SYSTEM_ACTOR)).rejects.toThrow(
      /mixes Latin and Cyrillic letters/,
    );
    expect(srv.services.store.operators.list().map((o) => o.username)).toEqual(['op-admin']);
    await createOperator(srv.services, { username: 'op-helpdesk', role: 'helpdesk', password: 'a long enough password' }, SYSTEM_ACTOR);
  });
});

describe('users from before skeletons were stored (migration 0009)', () => {
  it('are given theirs on upgrade; two old look-alikes both stay, new ones are refused, and the survivor takes over the key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-skeleton-'));
    try {
      // A database at schema 8, with two users who already look alike.
      const file = path.join(dir, 'tessera.db');
      const old = new Database(file);
      for (const m of MIGRATIONS.slice(0, 8)) old.exec(m.sql);
      old.pragma('user_version = 8');
      const insert = old.prepare('INSERT INTO users (id, username, username_key, search_text, created_at) VALUES (?, ?, ?, ?, ?)');
      insert.run('u1', 'olga', 'olga', 'olga', 1);
      insert.run('u2', '\u03bflga', '\u03bflga', '\u03bflga', 2); // Greek ο: mixed, from before the check
      insert.run('u3', 'pete', 'pete', 'pete', 3);
      old.close();
      fs.writeFileSync(path.join(dir, 'master.key'), Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });

      const s = openTessera({ dataDir: dir, env: {}, createIfNew: false });
      try {
        const skeletons = rawSqlite(s.store).prepare('SELECT id, username_skeleton AS k FROM users ORDER BY id').all();
        expect(skeletons).toEqual([
          { id: 'u1', k: usernameSkeleton('olga') },
          { id: 'u2', k: null }, // kept, but the older one holds the key
          { id: 'u3', k: usernameSkeleton('pete') },
        ]);
        expect(() => createUser(s, { username: '\u043elga' }, SYSTEM_ACTOR)).toThrow(/looks like the existing user "olga"/); // Cyrillic о
        deleteUser(s, 'olga', 'test', SYSTEM_ACTOR);
        expect(s.store.users.findByKey('\u03bflga')!.id).toBe('u2');
        expect(() => createUser(s, { username: 'olga' }, SYSTEM_ACTOR)).toThrow(/looks like the existing user "\u03bflga"/);
      } finally {
        s.store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
