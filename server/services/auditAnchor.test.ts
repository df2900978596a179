import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAnchor, type SignedAnchor } from '../core/audit/anchor';
import { auditAnchorPath, dbPath } from '../runtime/dataDir';
import { openTessera } from '../tessera';
import { FileAnchorStore, ThreadedFileAnchorStore } from './auditAnchor';
import { SYSTEM_ACTOR } from './index';
import { createUser } from './users';

/**
 * The anchor file as several processes share it (issue 17): atomic, forward
 * only, locked while replaced. And (issue 11) the writes that follow commits
 * run in a thread, so a slow file system (a rename waiting on the journal)
 * never holds the event loop; closing drains them and anchors the last head.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-anchor-'));
  dirs.push(dir);
  return dir;
}

const store = () => new FileAnchorStore(path.join(tempDir(), 'audit.anchor'));
const threaded = () => new ThreadedFileAnchorStore(path.join(tempDir(), 'audit.anchor'));

/** The file layer does not check signatures (the audit log does): a well-formed anchor at `seq` is enough here. */
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

const seqIn = (s: FileAnchorStore) => {
  const r = s.read();
  return r.state === 'ok' ? r.anchor.seq : r.state;
};

describe('FileAnchorStore', () => {
  it('moves forward and never back: an older anchor written after a newer one (another node raced) leaves the newer one', () => {
    const s = store();
    expect(seqIn(s)).toBe('none');
    s.write(anchorAt(5));
    expect(seqIn(s)).toBe(5);
    const other = new FileAnchorStore(s.where); // a second node on the same file
    other.write(anchorAt(9));
    s.write(anchorAt(7));
    expect(seqIn(s)).toBe(9);
    s.write(anchorAt(9)); // the same seq: nothing to move
    expect(seqIn(s)).toBe(9);
    expect(fs.statSync(s.where).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(s.where))).toEqual(['audit.anchor']);
  });

  it('steps back only when forced (a restore or reset, on purpose)', () => {
    const s = store();
    s.write(anchorAt(9));
    s.write(anchorAt(3), { force: true });
    expect(seqIn(s)).toBe(3);
  });

  it('waits for a writer holding the lock; a lock left by a crashed writer is broken after a while', () => {
    const s = store();
    const lock = `${s.where}.lock`;
    fs.writeFileSync(lock, '');
    expect(() => s.write(anchorAt(1))).toThrow(/held by another writer/);
    expect(seqIn(s)).toBe('none');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    s.write(anchorAt(1));
    expect(seqIn(s)).toBe(1);
    expect(fs.existsSync(lock)).toBe(false);
  });
});

const seqInFile = (file: string) => (fs.existsSync(file) ? parseAnchor(fs.readFileSync(file, 'utf8'))?.seq : undefined);
const turn = () => new Promise((r) => setImmediate(r));

describe('ThreadedFileAnchorStore', () => {
  it('writes in its thread: while a write waits for the lock, the event loop goes on turning', async () => {
    const s = threaded();
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
    expect(seqInFile(s.where)).toBe(4);
    expect(s.read()).toMatchObject({ state: 'ok', anchor: { seq: 4 } });
  });

  it('drain() returns once every write asked for is in the file, before its promise is even settled', async () => {
    const s = threaded();
    await s.readInBackground();
    const write = s.writeInBackground(anchorAt(6));
    s.drain(); // no turn of the event loop in between
    expect(seqInFile(s.where)).toBe(6);
    await write;
  });

  it('keeps the forward-only rule: an older anchor asked after a newer one leaves the newer', async () => {
    const s = threaded();
    const newer = s.writeInBackground(anchorAt(9));
    const older = s.writeInBackground(anchorAt(7));
    await Promise.all([newer, older]);
    expect(seqInFile(s.where)).toBe(9);
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
      await vi.waitFor(() => expect(seqInFile(anchorFile)).toBe(head()), { timeout: 10_000, interval: 20 });
      // Commits in quick succession: each write follows the last, the newest head wins.
      for (let i = 2; i <= 30; i++) {
        createUser(svc, { username: `anchor-thread-${i}` }, SYSTEM_ACTOR);
        if (i % 5 === 0) await turn();
      }
      const last = head();
      expect(seqInFile(anchorFile)).toBeLessThan(last); // not yet: the writes are coalesced and in the thread
      svc.store.close(); // flushAnchor: drains the thread, then writes synchronously
      closed = true;
      expect(seqInFile(anchorFile)).toBe(last);
      // A write that was under way when the store closed does not move the anchor back afterwards.
      for (let i = 0; i < 20; i++) await turn();
      await new Promise((r) => setTimeout(r, 100));
      expect(seqInFile(anchorFile)).toBe(last);
      expect(fs.readdirSync(path.dirname(anchorFile)).filter((f) => f.includes('anchor'))).toEqual(['audit.anchor']);
    } finally {
      if (!closed) svc.store.close();
    }
  });
});
