import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson';

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  seq: number;
  /** ISO 8601 UTC */
  at: string;
  actorKind: 'operator' | 'apikey' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetUser: string | null;
  outcome: 'success' | 'failure' | 'denied';
  reason: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export type ChainProblem = 'hash_mismatch' | 'seq_gap' | 'seq_order' | 'truncated';

export type ChainVerifyResult = { ok: true; entries: number; head: string; lastSeq: number } | { ok: false; firstBadSeq: number; problem: ChainProblem };

export interface ChainVerifyOptions {
  /** Hash before the first entry given (a checkpoint's hash when verifying a suffix). Default GENESIS_HASH. */
  prevHash?: string;
  /** seq of the first entry given. Default 1. */
  expectFirstSeq?: number;
  /**
   * A trusted (signed) point: the chain must reach checkpoint.seq and have
   * checkpoint.hash there. This is what catches a truncated tail, which a
   * hash chain alone cannot see.
   */
  checkpoint?: { seq: number; hash: string };
}

/** Hex SHA-256 over prevHash + "\n" + canonicalJson(content). Extra fields (e.g. hash, row ids) are ignored. */
export function computeEntryHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256')
    .update(prevHash + '\n' + canonicalJson(pickContent(content)))
    .digest('hex');
}

/**
 * Streams the entries (O(1) memory) and reports the first problem. seq must
 * run consecutively from expectFirstSeq: a gap means a deleted entry, a seq
 * going back means a reordered or duplicated one. firstBadSeq is the first
 * seq that is missing, out of place or whose hash does not match.
 */
export function verifyChain(entries: Iterable<AuditContent & { hash: string }>, opts: ChainVerifyOptions = {}): ChainVerifyResult {
  let prev = opts.prevHash ?? GENESIS_HASH;
  let expected = opts.expectFirstSeq ?? 1;
  let count = 0;
  const cp = opts.checkpoint;

  for (const entry of entries) {
    if (entry.seq !== expected) {
      return { ok: false, firstBadSeq: expected, problem: entry.seq > expected ? 'seq_gap' : 'seq_order' };
    }
    const hash = computeEntryHash(prev, entry);
    if (hash !== entry.hash) return { ok: false, firstBadSeq: entry.seq, problem: 'hash_mismatch' };
    // Entries rewritten consistently (all hashes recomputed) still diverge from the signed point.
    if (cp && entry.seq === cp.seq && hash !== cp.hash) return { ok: false, firstBadSeq: entry.seq, problem: 'hash_mismatch' };
    prev = hash;
    expected++;
    count++;
  }
  const lastSeq = expected - 1;
  if (cp && lastSeq < cp.seq) return { ok: false, firstBadSeq: lastSeq + 1, problem: 'truncated' };
  return { ok: true, entries: count, head: prev, lastSeq };
}

// Fixed field list: the hash covers exactly these, whatever else the row carries.
function pickContent(c: AuditContent): AuditContent {
  return {
    seq: c.seq,
    at: c.at,
    actorKind: c.actorKind,
    actorId: c.actorId,
    actorName: c.actorName,
    action: c.action,
    targetUser: c.targetUser,
    outcome: c.outcome,
    reason: c.reason,
    ip: c.ip,
    details: c.details,
  };
}
