import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnchor } from '../core/audit/anchor';
import { SYSTEM_ACTOR } from '../services/context';
import { createUser } from '../services/users';
import { rawConnection } from '../store/testing';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';
import { startTessera, type RunningTessera } from '../tessera';

/**
 * Issue 17: several nodes on one PostgreSQL database keep ONE audit anchor
 * (TESSERA_AUDIT_ANCHOR on shared storage). It follows the newest head
 * whichever node wrote it, never steps back when nodes race, and a rollback
 * of the shared database is reported by every node.
 */
describe.skipIf(testBackend() !== 'postgres')('one audit anchor for several nodes', () => {
  let url: string;
  let a: RunningTessera;
  let b: RunningTessera;
  let anchorFile: string;
  const dirs: string[] = [];

  const anchoredSeq = () => parseAnchor(fs.readFileSync(anchorFile, 'utf8'))!.seq;
  const headSeq = (node: RunningTessera) => node.services.store.audit.head()!.seq;

  beforeAll(async () => {
    url = (await freshTestDatabase())!;
    const masterKey = randomBytes(32);
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-anchor-shared-'));
    dirs.push(shared);
    anchorFile = path.join(shared, 'audit.anchor');
    const node = () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-node-'));
      dirs.push(dataDir);
      return startTessera({ dataDir, databaseUrl: url, masterKey, port: 0, consoleDir: null, env: { TESSERA_AUDIT_ANCHOR: anchorFile } });
    };
    a = await node();
    b = await node();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (url) await dropTestDatabase(url);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('ends at the newest head, whichever node wrote last, and a node behind never moves it back', () => {
    createUser(a.services, { username: 'anchor-a1' }, SYSTEM_ACTOR);
    a.services.audit.flushAnchor();
    expect(anchoredSeq()).toBe(headSeq(a));
    // A commits an entry but has not anchored it yet; B commits the next one and anchors it first.
    createUser(a.services, { username: 'anchor-a2' }, SYSTEM_ACTOR);
    createUser(b.services, { username: 'anchor-b1' }, SYSTEM_ACTOR);
    b.services.audit.flushAnchor();
    const newest = headSeq(b);
    expect(anchoredSeq()).toBe(newest);
    // A's own (older) head reaches the anchor now: it must leave B's newer one.
    a.services.audit.flushAnchor();
    expect(anchoredSeq()).toBe(newest);
    expect(fs.readdirSync(path.dirname(anchorFile)).sort()).toEqual(['audit.anchor']); // no temp or lock file left
    for (const node of [a, b]) expect(node.services.audit.anchorStatus()).toMatchObject({ state: 'ok', anchoredSeq: newest });
    // Nothing went into either data folder: the one anchor is the shared file.
    expect(fs.existsSync(path.join(dirs[1]!, 'audit.anchor'))).toBe(false);
    expect(fs.existsSync(path.join(dirs[2]!, 'audit.anchor'))).toBe(false);
  });

  it('a rollback of the shared database (the last entries deleted, as someone with the database could) is reported on both nodes', () => {
    for (const u of ['rb1', 'rb2', 'rb3']) createUser(u === 'rb2' ? b.services : a.services, { username: u }, SYSTEM_ACTOR);
    a.services.audit.flushAnchor();
    b.services.audit.flushAnchor();
    const anchored = anchoredSeq();
    expect(anchored).toBe(headSeq(a));
    const raw = rawConnection(a.services.store);
    const keep = anchored - 2;
    const kept = raw.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?').get(keep)!;
    raw.prepare<[number]>('DELETE FROM audit_log WHERE seq > ?').run(keep);
    raw.prepare<[number, string]>('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(keep, kept.hash);
    for (const node of [a, b]) {
      const status = node.services.audit.anchorStatus();
      expect(status.state).toBe('behind');
      expect(status.message).toContain(`ends at #${keep} but its anchor`);
      expect(status.message).toContain(`records #${anchored}`);
    }
    expect(anchoredSeq()).toBe(anchored); // the evidence stays
  });
});
