import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson';
import { GENESIS_HASH, computeEntryHash, verifyChain, type AuditContent } from './chain';

type Entry = AuditContent & { hash: string };

function content(seq: number): AuditContent {
  return {
    seq,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    actorKind: seq % 2 ? 'apikey' : 'operator',
    actorId: `k${seq}`,
    actorName: null,
    action: 'verify.totp',
    targetUser: 'alice',
    outcome: seq % 3 ? 'success' : 'failure',
    reason: null,
    ip: '127.0.0.1',
    details: { step: 1000 + seq },
  };
}

function build(n: number, first = 1, prev = GENESIS_HASH): Entry[] {
  const out: Entry[] = [];
  for (let seq = first; seq < first + n; seq++) {
    const c = content(seq);
    const hash = computeEntryHash(prev, c);
    out.push({ ...c, hash });
    prev = hash;
  }
  return out;
}

/** Rewrites the hashes from `from` on, as an attacker with database access could. */
function rehash(entries: Entry[]): Entry[] {
  let prev = GENESIS_HASH;
  return entries.map((e) => {
    const hash = computeEntryHash(prev, e);
    prev = hash;
    return { ...e, hash };
  });
}

describe('computeEntryHash', () => {
  it('is hex SHA-256 over prevHash, a newline and the canonical JSON', () => {
    const c = content(1);
    const want = createHash('sha256')
      .update(`${GENESIS_HASH}\n${canonicalJson(c)}`)
      .digest('hex');
    expect(computeEntryHash(GENESIS_HASH, c)).toBe(want);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('ignores fields outside the content (the stored hash, row ids)', () => {
    const c = content(1);
    expect(computeEntryHash(GENESIS_HASH, { ...c, hash: 'x', id: 9 } as AuditContent)).toBe(computeEntryHash(GENESIS_HASH, c));
  });

  it('depends on prevHash and on every field', () => {
    const c = content(2);
    const h = computeEntryHash(GENESIS_HASH, c);
    expect(computeEntryHash('f'.repeat(64), c)).not.toBe(h);
    for (const [k, v] of Object.entries({ ...c, details: { step: 1 }, reason: 'x', actorName: 'n', ip: null })) {
      if (JSON.stringify(v) === JSON.stringify(c[k as keyof AuditContent])) continue;
      expect(computeEntryHash(GENESIS_HASH, { ...c, [k]: v })).not.toBe(h);
    }
  });
});

describe('verifyChain', () => {
  const chain = build(10);

  it('accepts an intact chain and reports its head', () => {
    expect(verifyChain(chain)).toEqual({ ok: true, entries: 10, head: chain[9]!.hash, lastSeq: 10 });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, head: GENESIS_HASH, lastSeq: 0 });
  });

  it('streams from a generator', () => {
    function* gen() {
      yield* chain;
    }
    expect(verifyChain(gen())).toMatchObject({ ok: true, entries: 10 });
  });

  it('verifies a suffix from a known point', () => {
    expect(verifyChain(chain.slice(5), { prevHash: chain[4]!.hash, expectFirstSeq: 6 })).toEqual({
      ok: true,
      entries: 5,
      head: chain[9]!.hash,
      lastSeq: 10,
    });
    expect(verifyChain(chain.slice(5), { prevHash: chain[3]!.hash, expectFirstSeq: 6 })).toEqual({
      ok: false,
      firstBadSeq: 6,
      problem: 'hash_mismatch',
    });
    expect(verifyChain(chain.slice(5))).toEqual({ ok: false, firstBadSeq: 1, problem: 'seq_gap' });
  });

  it('detects an edited middle entry', () => {
    const edited = chain.map((e) => (e.seq === 5 ? { ...e, outcome: 'success' as const, targetUser: 'mallory' } : e));
    expect(verifyChain(edited)).toEqual({ ok: false, firstBadSeq: 5, problem: 'hash_mismatch' });
  });

  it('detects an edited middle entry even with its own hash recomputed', () => {
    const edited = chain.map((e) => (e.seq === 5 ? { ...e, reason: 'nothing to see' } : e));
    edited[4] = { ...edited[4]!, hash: computeEntryHash(chain[3]!.hash, edited[4]!) };
    expect(verifyChain(edited)).toEqual({ ok: false, firstBadSeq: 6, problem: 'hash_mismatch' });
  });

  it('detects an edited tail entry', () => {
    const edited = chain.map((e) => (e.seq === 10 ? { ...e, details: { step: 0 } } : e));
    expect(verifyChain(edited)).toEqual({ ok: false, firstBadSeq: 10, problem: 'hash_mismatch' });
  });

  it('detects a deleted middle entry', () => {
    expect(verifyChain(chain.filter((e) => e.seq !== 5))).toEqual({ ok: false, firstBadSeq: 5, problem: 'seq_gap' });
  });

  it('detects a deleted middle entry with the rest renumbered and rehashed, against a checkpoint', () => {
    const forged = rehash(chain.filter((e) => e.seq !== 5).map((e, i) => ({ ...e, seq: i + 1 })));
    expect(verifyChain(forged)).toMatchObject({ ok: true }); // a bare chain cannot see this…
    // …but the signed head can.
    expect(verifyChain(forged, { checkpoint: { seq: 10, hash: chain[9]!.hash } })).toEqual({
      ok: false,
      firstBadSeq: 10,
      problem: 'truncated',
    });
    expect(verifyChain(forged, { checkpoint: { seq: 9, hash: chain[8]!.hash } })).toEqual({
      ok: false,
      firstBadSeq: 9,
      problem: 'hash_mismatch',
    });
  });

  it('detects a deleted tail entry against a checkpoint', () => {
    const truncated = chain.slice(0, 9);
    expect(verifyChain(truncated)).toMatchObject({ ok: true, lastSeq: 9 });
    expect(verifyChain(truncated, { checkpoint: { seq: 10, hash: chain[9]!.hash } })).toEqual({
      ok: false,
      firstBadSeq: 10,
      problem: 'truncated',
    });
    expect(verifyChain(chain, { checkpoint: { seq: 10, hash: chain[9]!.hash } })).toMatchObject({ ok: true, lastSeq: 10 });
  });

  it('detects reordered middle entries', () => {
    const swapped = [...chain];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(verifyChain(swapped)).toEqual({ ok: false, firstBadSeq: 5, problem: 'seq_gap' });
    const back = [...chain.slice(0, 6), chain[4]!, ...chain.slice(7)];
    expect(verifyChain(back)).toEqual({ ok: false, firstBadSeq: 7, problem: 'seq_order' });
  });

  it('detects reordered entries whose seq fields were swapped back', () => {
    // Content of 5 and 6 swapped but seq kept in order: the hashes break at 5.
    const swapped = chain.map((e) => (e.seq === 5 ? { ...chain[5]!, seq: 5 } : e.seq === 6 ? { ...chain[4]!, seq: 6 } : e));
    expect(verifyChain(swapped)).toEqual({ ok: false, firstBadSeq: 5, problem: 'hash_mismatch' });
  });

  it('detects the tail entry moved before its predecessor', () => {
    const moved = [...chain.slice(0, 8), chain[9]!, chain[8]!];
    expect(verifyChain(moved)).toEqual({ ok: false, firstBadSeq: 9, problem: 'seq_gap' });
  });

  it('detects a duplicated entry', () => {
    expect(verifyChain([...chain.slice(0, 3), chain[2]!, ...chain.slice(3)])).toEqual({
      ok: false,
      firstBadSeq: 4,
      problem: 'seq_order',
    });
  });

  it('detects a checkpoint hash that differs mid-stream', () => {
    expect(verifyChain(chain, { checkpoint: { seq: 4, hash: chain[4]!.hash } })).toEqual({
      ok: false,
      firstBadSeq: 4,
      problem: 'hash_mismatch',
    });
  });
});
