import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TesseraError } from '../../../shared/errors';
import { AuditEntry } from '../../../shared/schemas/audit';
import { BUNDLE_TYPE, FILTERED_BUNDLE_VERSION, READABLE_VERSIONS, type AuditExportFilter, type BundleCheckpoint, type BundleHeader } from './bundle';
import { lineIterator, verifyFilteredBundle } from './filteredBundleVerify';
import { GENESIS_HASH, verifyChain, type AuditContent, type ChainProblem } from './chain';
import { keyFingerprint, normalizeFingerprint, verifyHead, verifyLegacyPoint } from './checkpoint';

/*
 * The offline check of an audit bundle (format in bundle.ts): nothing but the
 * bundle's lines, from a file, a download or a test. Pure: it reads no file
 * and no clock; the caller hands it the lines.
 */

export type BundleVerifyResult =
  | {
      ok: true;
      entries: number;
      /** The chain hash of the last entry (null for a filtered bundle, which carries no chain hashes). */
      head: string | null;
      exportedAt: string;
      /** The key whose signature covers the last entry. */
      keyVersion: number;
      fingerprint: string;
      /** The signing key's fingerprint is the one the auditor pinned (false: none was given). */
      pinned: boolean;
      /** The auditor's kept head is in the bundle, unchanged (null: none was given). */
      since: { seq: number; hash: string } | null;
      /** A version 1 bundle: its signature does not tell a head from a checkpoint (only `since` catches a cut-back one). */
      legacy: boolean;
      /** A filtered bundle: its filter, and how many entries of the log it left out (null: the whole log). */
      selection: { filter: AuditExportFilter; total: number; omitted: number } | null;
    }
  | {
      ok: false;
      /** The first entry that is wrong or missing, when the problem is with an entry. */
      seq: number | null;
      /** The bundle line (1-based) where reading stopped. */
      line: number;
      problem: string;
      /** Fingerprints of the keys the header names, when it could be read. */
      fingerprints: { version: number; fingerprint: string }[];
    };

const CHAIN_PROBLEMS: Record<ChainProblem, string> = {
  hash_mismatch: 'its hash does not match its content and the entry before it (edited, inserted or removed entry)',
  seq_gap: 'entry missing (the sequence skips it)',
  seq_order: 'entries out of order or repeated',
  truncated: 'entries missing before the signed checkpoint',
};

export interface BundleVerifyOptions {
  /** The fingerprint the auditor pinned (`tessera audit key`): the bundle must be signed by that key. */
  pinnedKey?: string;
  /** The last head the auditor kept from an earlier bundle: this one must still hold it (else: rolled back or rewritten). */
  since?: { seq: number; hash: string };
}

/** Parses `SEQ:HASH` (as `--since` takes it); null when malformed. */
export function parseKeptHead(text: string): { seq: number; hash: string } | null {
  const m = /^#?(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m) return null;
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

/** Lines over this are refused rather than parsed (a bundle line is one audit entry). */
const MAX_LINE = 1024 * 1024;
const BATCH = 1000;

/** What the chain hashes of an exported entry (its wire form), with the hash it claims. */
export function entryContent(e: AuditEntry): AuditContent & { hash: string } {
  return {
    seq: e.seq,
    at: e.at,
    actorKind: e.actor.kind,
    actorId: e.actor.id,
    actorName: e.actor.name,
    action: e.action,
    targetUser: e.user,
    outcome: e.outcome,
    reason: e.reason,
    ip: e.ip,
    details: e.details,
    hash: e.hash,
  };
}

/**
 * Verifies a bundle with nothing but the bundle: recomputes the hash chain
 * from genesis over its entries (streaming, a batch at a time), then checks
 * that the final signed checkpoint covers exactly the last entry and that
 * its Ed25519 signature holds under the key in the header. The key itself
 * is only as trustworthy as its fingerprint: compare that with `tessera audit key`.
 */
export async function verifyAuditBundle(lines: AsyncIterable<string> | Iterable<string>, opts: BundleVerifyOptions = {}): Promise<BundleVerifyResult> {
  const pinned = opts.pinnedKey === undefined ? null : normalizeFingerprint(opts.pinnedKey);
  if (opts.pinnedKey !== undefined && pinned === null)
    throw new TesseraError(
      'bad_request',
      'The pinned key must be a SHA-256 fingerprint: 64 hex digits (groups and spaces allowed), as "tessera audit key" prints it',
    );
  let keptHash: string | null = null;
  let lineNo = 0;
  let header: BundleHeader | null = null;
  const keys = new Map<number, Buffer>();
  let fingerprints: { version: number; fingerprint: string }[] = [];
  let checkpoint: BundleCheckpoint | null = null;
  let prevHash = GENESIS_HASH;
  let nextSeq = 1;
  let entries = 0;
  let batch: (AuditContent & { hash: string })[] = [];
  const fail = (problem: string, seq: number | null = null): BundleVerifyResult => ({ ok: false, seq, line: lineNo, problem, fingerprints });

  const flush = (): BundleVerifyResult | null => {
    if (batch.length === 0) return null;
    const r = verifyChain(batch, { prevHash, expectFirstSeq: nextSeq });
    batch = [];
    if (!r.ok) return fail(CHAIN_PROBLEMS[r.problem], r.firstBadSeq);
    prevHash = r.head;
    nextSeq = r.lastSeq + 1;
    entries += r.entries;
    return null;
  };

  const it = lineIterator(lines);
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    const raw = next.value;
    lineNo++;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return fail('blank line (a bundle has none)');
    if (line.length > MAX_LINE) return fail('line too long for an audit bundle');
    if (checkpoint) return fail('text after the final checkpoint');
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return fail('not valid JSON');
    }
    const type = (obj as { type?: unknown } | null)?.type;
    if (header === null) {
      if (type !== BUNDLE_TYPE) return fail('not a Tessera audit bundle (the first line is not its header)');
      const h = obj as Partial<BundleHeader>;
      if (!READABLE_VERSIONS.includes(h.version as 1 | 2 | 3)) return fail(`bundle version ${String(h.version)} is not one this Tessera reads`);
      if (typeof h.exportedAt !== 'string' || !Array.isArray(h.publicKeys) || h.publicKeys.length === 0)
        return fail('the header lacks exportedAt or publicKeys');
      for (const k of h.publicKeys) {
        if (!k || !Number.isSafeInteger(k.version) || typeof k.spki !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k.spki))
          return fail('a public key in the header is malformed');
        const der = Buffer.from(k.spki, 'base64');
        keys.set(k.version, der);
      }
      fingerprints = [...keys].map(([version, der]) => ({ version, fingerprint: keyFingerprint(der) }));
      header = h as BundleHeader;
      if (header.version === FILTERED_BUNDLE_VERSION) {
        if (header.filtered !== true) return fail('a version 3 bundle must be a filtered one (its header says "filtered":true)');
        if (opts.since) {
          return fail('a filtered bundle carries no chain hashes, so it cannot show the head you kept (--since); check that with a bundle of the whole log');
        }
        return verifyFilteredBundle(it, line, h as BundleHeader, keys, fingerprints, pinned, lineNo);
      }
      if (header.filtered) {
        return fail('this filtered bundle was made before filtered bundles were signed (version 2): it cannot be verified; export it again');
      }
      continue;
    }
    if (type === 'entry') {
      const parsed = AuditEntry.safeParse(obj);
      if (!parsed.success) return fail('an entry line is malformed', nextSeq + batch.length);
      // Its hash is checked with the batch; if the batch fails, keptHash is never used.
      if (opts.since && parsed.data.seq === opts.since.seq) keptHash = parsed.data.hash;
      batch.push(entryContent(parsed.data));
      if (batch.length >= BATCH) {
        const bad = flush();
        if (bad) return bad;
        await yieldToLoop();
      }
      continue;
    }
    if (type === 'checkpoint') {
      const bad = flush();
      if (bad) return bad;
      const c = obj as Partial<BundleCheckpoint>;
      if (!Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || typeof c.signature !== 'string' || !Number.isSafeInteger(c.keyVersion)) {
        return fail('the checkpoint line is malformed');
      }
      checkpoint = c as BundleCheckpoint;
      continue;
    }
    return fail(`unknown line type ${JSON.stringify(type)}`);
  }

  if (header === null) return fail('the file is empty');
  const bad = flush();
  if (bad) return bad;
  const lastSeq = nextSeq - 1;
  if (!checkpoint) return fail('no signed checkpoint at the end: the bundle was cut short');
  if (checkpoint.seq > lastSeq)
    return fail(`entries missing at the end: the bundle stops at #${lastSeq} but its signed checkpoint covers #${checkpoint.seq}`, lastSeq + 1);
  if (checkpoint.seq < lastSeq) return fail(`entries after the signed checkpoint (#${checkpoint.seq}) are not covered by its signature`, checkpoint.seq + 1);
  if (checkpoint.hash !== prevHash) return fail('the chain does not end at the signed checkpoint hash (edited entry?)', lastSeq);
  const key = keys.get(checkpoint.keyVersion);
  if (!key) return fail(`the checkpoint is signed by key ${checkpoint.keyVersion}, which the header does not include`, lastSeq);
  const legacy = header.version === 1;
  const signed = legacy
    ? verifyLegacyPoint(key, checkpoint.seq, checkpoint.hash, checkpoint.signature)
    : verifyHead(key, checkpoint.seq, checkpoint.hash, checkpoint.signature);
  if (!signed) return fail('the checkpoint signature is not valid for the public key in the header', lastSeq);
  const fingerprint = keyFingerprint(key);
  if (pinned !== null && fingerprint !== pinned) {
    return fail(`signed by a key with fingerprint ${fingerprint}, not the pinned key ${pinned}: this bundle was not made by that Tessera`, lastSeq);
  }
  if (opts.since) {
    if (lastSeq < opts.since.seq) {
      return fail(`the bundle ends at #${lastSeq}, before the head you kept (#${opts.since.seq}): the log was rolled back or cut`, lastSeq + 1);
    }
    if (opts.since.seq > 0 && keptHash !== opts.since.hash) {
      return fail(`entry #${opts.since.seq} is not the head you kept (its hash differs): the history up to it was rewritten`, opts.since.seq);
    }
    if (opts.since.seq === 0 && opts.since.hash !== GENESIS_HASH) return fail('the kept head #0 must be the genesis hash (64 zeros)');
  }
  return {
    ok: true,
    entries,
    head: prevHash,
    exportedAt: header.exportedAt,
    keyVersion: checkpoint.keyVersion,
    fingerprint,
    pinned: pinned !== null,
    since: opts.since ?? null,
    legacy,
    selection: null,
  };
}
