import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAnchor, type SignedAnchor } from '../core/audit/anchor';
import { auditAnchorPath, dbPath } from '../runtime/dataDir';
import { openTessera } from '../tessera';
import { ThreadedFileAnchorStore } from './auditAnchor';
import { SYSTEM_ACTOR } from './index';
import { createUser } from './users';

/**
 * Issue 11: the anchor writes that follow commits run in a thread, so a slow
 * file system (a rename waiting on the journal) never holds the event loop;
 * closing drains them and anchors the last head before it returns.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-anchor-thread-'));
  dirs.push(dir);
  return dir;
}

function anchorAt(seq: number): SignedAnchor {
  return {
    seq,
    hash: seq.toString(16).padStart(64, '0'),
    headSignature: 'head',
    keyVersion: 1,
    fingerprint: 'fp',
    writtenAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    signature: 'sig',
  };
}

const seqIn = (file: string) => (fs.existsSync(file) ? parseAnchor(fs.readFileSync(file, 'utf8'))?.seq : undefined);
const turn = () => new Promise((r) => setImmediate(r));

describe('ThreadedFileAnchorStore', () => {
  it('writes in its thread: while a write waits for the lock, the event loop goes on turning', async () => {
    const s = new ThreadedFileAnchorStore(path.join(tempDir(), 'audit.anchor'));
    expect(await s.readInBackground()).toEqual({ state: 'none' }); // the thread is up
    const lock = `${s.where}.lock`;
    fs.writeFileSync(lock, ''); // another writer holds the file
    let settled = false;
    const write = s.writeInBackground(anchorAt(4)).finally(() => (settled = true));
    let turns = 0;
    const until = Date.now() + 200;
    while (Date.now() < until) {
      await turn();
      turns += 1;
    }
    expect(settled).toBe(false); // still waiting for the lock, in the thread
    expect(turns).toBeGreaterThan(10); // and this thread was never held
    fs.rmSync(lock);
    await write;
    expect(seqIn(s.where)).toBe(4);
    expect(s.read()).toMatchObject({ state: 'ok', anchor: { seq: 4 } });
  });

  it('drain() returns once every write asked for is in the file, before its promise is even settled', async () => {
    const s = new ThreadedFileAnchorStore(path.join(tempDir(), 'audit.anchor'));
    await s.readInBackground();
    const write = s.writeInBackground(anchorAt(6));
    s.drain(); // no turn of the event loop in between
    expect(seqIn(s.where)).toBe(6);
    await write;
  });

  it('keeps the forward-only rule: an older anchor asked after a newer one leaves the newer', async () => {
    const s = new ThreadedFileAnchorStore(path.join(tempDir(), 'audit.anchor'));
    const newer = s.writeInBackground(anchorAt(9));
    const older = s.writeInBackground(anchorAt(7));
    await Promise.all([newer, older]);
    expect(seqIn(s.where)).toBe(9);
  });
});

describe('a server’s audit log with its anchor written in the background', () => {
  it('follows the commits while running, and anchors the last head when the store closes with a write under way', async () => {
    const dataDir = tempDir();
    const svc = openTessera({ dataDir, env: {}, anchorInBackground: true });
    const anchorFile = auditAnchorPath(dbPath(dataDir));
    const head = () => svc.store.audit.head()!.seq;
    let closed = false;
    try {
      createUser(svc, { username: 'anchor-thread-1' }, SYSTEM_ACTOR);
      await vi.waitFor(() => expect(seqIn(anchorFile)).toBe(head()), { timeout: 10_000, interval: 20 });
      // Commits in quick succession: each write follows the last, the newest head wins.
      for (let i = 2; i <= 30; i++) {
        createUser(svc, { username: `anchor-thread-${i}` }, SYSTEM_ACTOR);
        if (i % 5 === 0) await turn();
      }
      const last = head();
      expect(seqIn(anchorFile)).toBeLessThan(last); // not yet: the writes are coalesced and in the thread
      svc.store.close(); // flushAnchor: drains the thread, then writes synchronously
      closed = true;
      expect(seqIn(anchorFile)).toBe(last);
      // A write that was under way when the store closed does not move the anchor back afterwards.
      for (let i = 0; i < 20; i++) await turn();
      await new Promise((r) => setTimeout(r, 100));
      expect(seqIn(anchorFile)).toBe(last);
      expect(fs.readdirSync(path.dirname(anchorFile)).filter((f) => f.includes('anchor'))).toEqual(['audit.anchor']);
    } finally {
      if (!closed) svc.store.close();
    }
  });
});
