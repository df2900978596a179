import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { bundleHeaderLine, bundleSelectedEntryLine, bundleSelectionLine, type AuditExportFilter, type SignedPoint } from '../core/audit/bundle';
import { entryContent } from '../core/audit/bundleVerify';
import { computeEntryHash, GENESIS_HASH } from '../core/audit/chain';
import { verifyCheckpoint, verifyHead } from '../core/audit/checkpoint';
import { matchesExportFilter, SelectionDigest, signSelection } from '../core/audit/selection';
import { TesseraError } from '../../shared/errors';
import { rowToEntry } from './auditRows';
import { CHECKPOINT_EVERY, derivedProblem } from './auditVerify';
import type { ServiceContext } from './context';

/*
 * A filtered JSON-lines export (the bundle's version 3, core/audit/bundle.ts
 * and selection.ts). The exporter signs "these k of the log's N entries are
 * the ones the filter selects"; before it does, it proves that to itself:
 * it walks the WHOLE log up to the head (not just the matches), recomputing
 * every hash, checking every signed checkpoint, the derived columns that
 * searches use, and deciding each entry's selection from its hashed content
 * (the same rule the offline verifier applies), so a database edit can
 * neither change what is signed nor hide an entry from the selection. The
 * stored head's signature and the anchor are checked before anything is sent.
 */

/** Entries recomputed between two turns of the event loop (one page of hashing; not measured separately). */
const WALK_PAGE = 500;

export interface SelectionProgress {
  entries: number;
  throughSeq: number;
  headSeq: number;
}

/**
 * Refuses to sign a bundle (a selection, or the head of a whole-log one) of
 * a log that already fails the cheap checks: a replaced public key, a stored
 * head whose signature does not hold (a log rewritten and rechained through
 * the database file: an export would otherwise sign a fresh head over it),
 * an anchor the log has fallen behind or diverged from. Throws 'integrity'.
 */
export function checkBeforeSigning(ctx: ServiceContext, what: 'selection' | 'bundle'): void {
  const refuse = (why: string) => {
    throw new TesseraError('integrity', `Not exporting a signed ${what}: ${why}. Run the integrity check ("tessera audit verify").`);
  };
  if (ctx.keyring.swappedPublicKeys.length > 0) refuse('the stored audit public key is not the one the sealed signing key gives');
  const stored = ctx.store.audit.head();
  if (stored) {
    const key = ctx.keyring.publicSigningKeys().find((k) => k.version === stored.key_version);
    if (!key || !verifyHead(key.publicKeyDer, stored.seq, stored.hash, stored.signature)) refuse('the signed head of the log does not verify');
  }
  const anchor = ctx.audit.anchorStatus();
  if (anchor.state === 'behind' || anchor.state === 'diverged' || anchor.state === 'invalid') refuse(anchor.message);
}

/**
 * The lines of a filtered bundle up to `head`: header, the selected entries
 * (without chain hashes), the signed selection. Throws 'integrity' as soon
 * as the walk finds the log tampered with (a caller writing a file removes
 * it; a download ends short, and the verifier refuses a bundle without its
 * selection line). `total` is what the store's filter counted up front.
 */
export async function* selectionLines(
  ctx: ServiceContext,
  head: SignedPoint,
  filter: AuditExportFilter,
  total: number,
  opts: { signal?: AbortSignal; onProgress?: (p: SelectionProgress) => void } = {},
): AsyncGenerator<string, { entries: number }> {
  const keys = new Map(ctx.keyring.publicSigningKeys().map((k) => [k.version, k.publicKeyDer]));
  const checkpoints = new Map(ctx.store.audit.checkpoints().map((c) => [c.seq, c]));
  const bad = (seq: number, what: string): never => {
    throw new TesseraError('integrity', `Not exporting a signed selection: audit entry #${seq} ${what}. Run the integrity check.`);
  };

  const digest = new SelectionDigest();
  const header = bundleHeaderLine(
    ctx.clock(),
    ctx.keyring.publicSigningKeys().map((k) => ({ version: k.version, spkiDer: k.publicKeyDer })),
    filter,
  );
  digest.line(header.slice(0, -1));
  yield header;

  let prev = GENESIS_HASH;
  let after = 0;
  let entries = 0;
  while (after < head.seq) {
    opts.signal?.throwIfAborted();
    const rows = ctx.store.audit.range(after + 1, Math.min(WALK_PAGE, head.seq - after));
    if (rows.length === 0) bad(after + 1, 'is missing');
    let out = '';
    for (const row of rows) {
      if (row.seq !== after + 1) bad(after + 1, 'is missing (the sequence skips it)');
      const entry = rowToEntry(row);
      const hash = computeEntryHash(prev, entryContent(entry));
      if (hash !== row.hash) bad(row.seq, 'does not match its hash (edited, inserted or removed entry)');
      const derived = derivedProblem(row);
      if (derived) bad(row.seq, `has a search column that is not its own (${derived})`);
      if (row.seq % CHECKPOINT_EVERY === 0) {
        const cp = checkpoints.get(row.seq);
        if (!cp || cp.hash !== hash) bad(row.seq, 'has no signed checkpoint, or not one that matches it');
        if (!verifyCheckpoint(keys.get(cp!.key_version) ?? Buffer.alloc(0), cp!.seq, cp!.hash, cp!.signature))
          bad(row.seq, 'has a checkpoint whose signature does not verify');
      }
      prev = hash;
      after = row.seq;
      if (matchesExportFilter(entry, filter)) {
        const line = bundleSelectedEntryLine(entry);
        digest.line(line.slice(0, -1));
        out += line;
        entries++;
      }
    }
    if (out) yield out;
    opts.onProgress?.({ entries, throughSeq: after, headSeq: head.seq });
    await yieldToLoop();
  }
  if (prev !== head.hash) bad(head.seq, 'is not the signed head (the chain ends elsewhere)');
  if (entries !== total) {
    throw new TesseraError(
      'integrity',
      `Not exporting a signed selection: the search index counted ${total} matching entries but the entries themselves ${entries}. Run the integrity check.`,
    );
  }
  const key = ctx.keyring.signingKey();
  const sum = digest.hex();
  yield bundleSelectionLine({
    seq: head.seq,
    entries,
    digest: sum,
    keyVersion: key.version,
    signature: signSelection(key.privateKeyDer, head.seq, entries, sum),
  });
  return { entries };
}
