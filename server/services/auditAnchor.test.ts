import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedAnchor } from '../core/audit/anchor';
import { FileAnchorStore } from './auditAnchor';

/** The anchor file as several processes share it (issue 17): atomic, forward only, locked while replaced. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function store(): FileAnchorStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-anchor-'));
  dirs.push(dir);
  return new FileAnchorStore(path.join(dir, 'audit.anchor'));
}

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
