import { checkAnchor, type SignedAnchor } from '../core/audit/anchor';
import { GENESIS_HASH, verifyChain } from '../core/audit/chain';
import { verifyCheckpoint, verifyHead } from '../core/audit/checkpoint';
import type { AuditProblem, AuditVerifyResult } from '../../shared/schemas/audit';
import { usernameKey } from '../../shared/schemas/text';
import type { AuditRow, Store } from '../store/index';
import type { AnchorRead } from './auditAnchor';
import { rowToContent } from './auditRows';

/** A signed checkpoint row is kept every this many entries; verify requires each one. */
export const CHECKPOINT_EVERY = 1000;

/**
 * What the check trusts, all of it from OUTSIDE the database it checks: the
 * public keys derived from the sealed private keys (the master key opens
 * them), which stored public keys did not match, and the anchor file.
 */
export interface VerifyTrust {
  publicKeys: { version: number; publicKeyDer: Buffer }[];
  swappedPublicKeys: readonly number[];
  /** null: this database has no anchor to compare with (a backup being checked). */
  anchor: AnchorRead | null;
}

export interface VerifyProgress {
  done: number;
  total: number;
}

const MESSAGES: Record<AuditProblem, string> = {
  hash_mismatch: 'its hash does not match its content and the entry before it (edited, inserted or removed entry)',
  seq_gap: 'entry missing (the sequence skips it)',
  seq_order: 'entries out of order or repeated',
  truncated: 'entries missing before the last signed point (the log was cut short)',
  checkpoint_mismatch: 'a signed checkpoint does not match the entry it covers',
  checkpoint_missing: `a signed checkpoint that must exist (one every ${CHECKPOINT_EVERY} entries) is missing`,
  bad_signature: 'a signature does not verify under the audit signing key',
  missing_head: 'the signed head of the log is missing',
  unsigned_tail: 'entries after the signed head are not covered by its signature',
  rolled_back: 'the log is behind its anchor: entries that existed have been removed (rolled back or emptied)',
  anchor_mismatch: 'the entry at the anchored point differs from the one the anchor recorded (history rewritten)',
  anchor_invalid: 'the audit anchor file is damaged, edited or signed by another key',
  public_key_mismatch: 'the stored audit public key is not the one the sealed signing key gives (replaced)',
  derived_mismatch: 'a column that searches use (user key or time) does not match the entry it belongs to',
  dashboard_mismatch: 'the dashboard counters do not match the entries they count',
};

function fail(firstBadSeq: number, problem: AuditProblem, detail?: string): AuditVerifyResult {
  return { ok: false, firstBadSeq, problem, message: detail ? `${MESSAGES[problem]}: ${detail}` : MESSAGES[problem] };
}

/**
 * The whole integrity check, as steps: recomputes the chain from genesis a
 * page at a time (yielding progress after each, so a caller can give the
 * event loop a turn or report it), then checks every signed checkpoint, the
 * signed head, the anchor and the derived columns. Memory stays bounded by
 * the page size.
 *
 * The log is taken as of its signed head, read first: entries written while
 * the check runs are not part of it. Run it inside one read transaction
 * (the worker does) for an exact snapshot.
 *
 * Derived columns are checked, not trusted: target_user_key must be
 * usernameKey(target_user) and at_ms must be Date.parse(at) (both of the
 * hashed content), and audit_daily must equal a recount of the log — else a
 * database edit could hide entries from a user's trail, a time filter or the
 * dashboard while the chain stays whole.
 */
export function* verifySteps(store: Store, trust: VerifyTrust, pageSize = 5000): Generator<VerifyProgress, AuditVerifyResult> {
  const keys = new Map(trust.publicKeys.map((k) => [k.version, k.publicKeyDer]));
  if (trust.swappedPublicKeys.length > 0) return fail(0, 'public_key_mismatch', `key ${trust.swappedPublicKeys.join(', ')}`);

  let anchor: SignedAnchor | null = null;
  if (trust.anchor?.state === 'unreadable') return fail(0, 'anchor_invalid', trust.anchor.message);
  if (trust.anchor?.state === 'ok') {
    anchor = trust.anchor.anchor;
    const problem = checkAnchor(anchor, keys);
    if (problem) return fail(0, 'anchor_invalid', problem === 'bad_signature' ? 'its signature does not verify' : 'it names a key this database does not have');
  }

  const head = store.audit.head();
  const stats = store.audit.stats();
  const through = head?.seq ?? stats.maxSeq;
  const total = Math.max(through, anchor?.seq ?? 0);

  let prevHash = GENESIS_HASH;
  let nextSeq = 1;
  let entries = 0;
  while (nextSeq <= through) {
    const limit = Math.min(pageSize, through - nextSeq + 1);
    const rows = store.audit.range(nextSeq, limit);
    if (rows.length === 0) break;
    const result = verifyChain(
      rows.map((r) => ({ ...rowToContent(r), hash: r.hash })),
      { prevHash, expectFirstSeq: nextSeq },
    );
    if (!result.ok) return fail(result.firstBadSeq, result.problem);
    for (const row of rows) {
      const bad = derivedProblem(row);
      if (bad) return fail(row.seq, 'derived_mismatch', `entry #${row.seq}: ${bad}`);
      if (anchor && row.seq === anchor.seq && row.hash !== anchor.hash) return fail(row.seq, 'anchor_mismatch');
    }
    prevHash = result.head;
    nextSeq = result.lastSeq + 1;
    entries += result.entries;
    if (rows.length < limit) break;
    yield { done: entries, total };
  }

  // The tail: what the anchor remembers must still be there (a hash chain alone cannot see a cut tail).
  if (anchor && anchor.seq > entries) {
    const has = entries === 0 ? 'has no entries' : `ends at #${entries}`;
    return fail(entries + 1, 'rolled_back', `the anchor written ${anchor.writtenAt} records entry #${anchor.seq}; the log ${has}`);
  }
  if (!head) {
    return stats.count === 0 ? checkRest(store, keys, 0, GENESIS_HASH, 0) : fail(1, 'missing_head');
  }
  if (entries < head.seq) return fail(entries + 1, 'truncated');
  if (stats.maxSeq > head.seq) return fail(head.seq + 1, 'unsigned_tail');
  if (stats.count !== entries) return fail(nextSeq, 'seq_gap');
  if (!verifyHead(keys.get(head.key_version) ?? Buffer.alloc(0), head.seq, head.hash, head.signature))
    return fail(head.seq, 'bad_signature', 'the signed head');
  if (head.hash !== prevHash) return fail(head.seq, 'hash_mismatch');
  return checkRest(store, keys, entries, prevHash, head.seq);
}

/** Checkpoints (each that must exist, each signature) and the dashboard counters. */
function checkRest(store: Store, keys: Map<number, Buffer>, entries: number, head: string, headSeq: number): AuditVerifyResult {
  const checkpoints = store.audit.checkpoints();
  let expected = CHECKPOINT_EVERY;
  for (const cp of checkpoints) {
    if (cp.seq > headSeq) return fail(headSeq + 1, 'truncated', `a signed checkpoint covers entry #${cp.seq}, which is gone`);
    if (cp.seq > expected) return fail(expected, 'checkpoint_missing', `the checkpoint at #${expected}`);
    if (cp.seq === expected) expected += CHECKPOINT_EVERY;
    const row = store.audit.bySeq(cp.seq);
    if (!row || row.hash !== cp.hash) return fail(cp.seq, 'checkpoint_mismatch');
    if (!verifyCheckpoint(keys.get(cp.key_version) ?? Buffer.alloc(0), cp.seq, cp.hash, cp.signature))
      return fail(cp.seq, 'bad_signature', `the checkpoint at #${cp.seq}`);
  }
  if (expected <= headSeq) return fail(expected, 'checkpoint_missing', `the checkpoint at #${expected}`);

  const daily = store.dashboard.firstMismatch();
  if (daily) {
    const firstSeq = store.audit.firstSeqAtOrAfter(Date.parse(`${daily.day}T00:00:00.000Z`)) ?? 0;
    const what = `${daily.day} ${daily.action} ${daily.outcome}${daily.reason ? ` (${daily.reason})` : ''}: counted ${daily.stored ?? 'nothing'}, the log has ${daily.actual}`;
    return fail(firstSeq, 'dashboard_mismatch', what);
  }
  return { ok: true, entries, head, checkpoints: checkpoints.length };
}

/** Why a row's derived search columns are not its own (null: they are). Also checked by a filtered export's walk. */
export function derivedProblem(row: AuditRow): string | null {
  const key = row.target_user === null ? null : usernameKey(row.target_user);
  if (row.target_user_key !== key) return "its user key is not its user's";
  if (row.at_ms !== Date.parse(row.at)) return 'its time index is not its time';
  return null;
}

/** Runs the steps to the end, giving the event loop a turn between pages (for a caller on the main thread). */
export async function runSteps(
  steps: Generator<VerifyProgress, AuditVerifyResult>,
  opts: { signal?: AbortSignal; onProgress?: (p: VerifyProgress) => void; yieldTurn?: () => Promise<void> } = {},
): Promise<AuditVerifyResult> {
  for (;;) {
    opts.signal?.throwIfAborted();
    const next = steps.next();
    if (next.done) return next.value;
    opts.onProgress?.(next.value);
    if (opts.yieldTurn) await opts.yieldTurn();
  }
}
