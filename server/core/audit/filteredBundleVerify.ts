import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AuditEntry, AuditQuery } from '../../../shared/schemas/audit';
import type { BundleHeader } from './bundle';
import type { BundleVerifyResult } from './bundleVerify';
import { keyFingerprint } from './checkpoint';
import { matchesExportFilter, SelectionDigest, verifySelection, type BundleSelection } from './selection';

/*
 * The offline check of a filtered bundle (version 3; format in bundle.ts,
 * proof in selection.ts), after its header: every line's bytes against the
 * signed digest, the count against the signed count, seqs strictly rising
 * within the signed log length, every entry matching the stated filter, and
 * the signature under the header's key (pinned by fingerprint if given).
 */

const SelectedEntry = AuditEntry.omit({ hash: true }).strict();
const ExportFilter = AuditQuery.pick({ user: true, action: true, actor: true, outcome: true, from: true, to: true }).strict();

const MAX_LINE = 1024 * 1024;
const YIELD_EVERY = 1000;

/** Lines one at a time from an array, a readline interface or any (async) iterable. */
export function lineIterator(lines: AsyncIterable<string> | Iterable<string>): AsyncIterator<string> | Iterator<string> {
  return Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
}

export async function verifyFilteredBundle(
  it: AsyncIterator<string> | Iterator<string>,
  headerLine: string,
  header: BundleHeader,
  keys: Map<number, Buffer>,
  fingerprints: { version: number; fingerprint: string }[],
  pinned: string | null,
  headerLineNo: number,
): Promise<BundleVerifyResult> {
  let lineNo = headerLineNo;
  const fail = (problem: string, seq: number | null = null): BundleVerifyResult => ({ ok: false, seq, line: lineNo, problem, fingerprints });

  const filter = ExportFilter.safeParse(header.filter ?? null);
  if (!filter.success || Object.keys(filter.data).length === 0) return fail('the header of a filtered bundle lacks a valid filter');
  const digest = new SelectionDigest();
  digest.line(headerLine);

  let lastSeq = 0;
  let entries = 0;
  let selection: BundleSelection | null = null;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    lineNo++;
    const line = next.value.replace(/\r$/, '');
    if (line.trim() === '') return fail('blank line (a bundle has none)');
    if (line.length > MAX_LINE) return fail('line too long for an audit bundle');
    if (selection) return fail('text after the signed selection');
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return fail('not valid JSON');
    }
    const type = (obj as { type?: unknown } | null)?.type;
    if (type === 'entry') {
      const { type: _type, ...rest } = obj as Record<string, unknown>;
      if ('hash' in rest) return fail('an entry of a filtered bundle carries a chain hash (this bundle was not written by Tessera)', lastSeq + 1);
      const parsed = SelectedEntry.safeParse(rest);
      if (!parsed.success) return fail('an entry line is malformed', lastSeq + 1);
      const e = parsed.data;
      if (!Number.isSafeInteger(e.seq) || e.seq <= lastSeq) return fail(`entries out of order or repeated (#${e.seq} after #${lastSeq})`, e.seq);
      if (!matchesExportFilter(e, filter.data)) return fail(`entry #${e.seq} is not one the bundle's filter selects`, e.seq);
      digest.line(line);
      lastSeq = e.seq;
      entries++;
      if (entries % YIELD_EVERY === 0) await yieldToLoop();
      continue;
    }
    if (type === 'selection') {
      const c = obj as Partial<BundleSelection>;
      if (
        !Number.isSafeInteger(c.seq) ||
        !Number.isSafeInteger(c.entries) ||
        typeof c.digest !== 'string' ||
        typeof c.signature !== 'string' ||
        !Number.isSafeInteger(c.keyVersion)
      ) {
        return fail('the selection line is malformed');
      }
      selection = c as BundleSelection;
      continue;
    }
    if (type === 'checkpoint') return fail('a filtered bundle ends with a signed selection, not a checkpoint (a line from another bundle?)');
    return fail(`unknown line type ${JSON.stringify(type)}`);
  }

  if (!selection) return fail('no signed selection at the end: the bundle was cut short');
  if (lastSeq > selection.seq) return fail(`entry #${lastSeq} is past the end of the log the selection was signed for (#${selection.seq})`, lastSeq);
  if (selection.entries !== entries) {
    return fail(
      `the bundle holds ${entries} entries but its signed selection ${selection.entries}: entries were ${entries < selection.entries ? 'removed' : 'added'}`,
    );
  }
  if (digest.hex() !== selection.digest) {
    return fail('the lines are not the ones that were signed: an entry or the header was edited, removed, added or reordered');
  }
  const key = keys.get(selection.keyVersion);
  if (!key) return fail(`the selection is signed by key ${selection.keyVersion}, which the header does not include`);
  if (!verifySelection(key, selection)) return fail('the selection signature is not valid for the public key in the header');
  const fingerprint = keyFingerprint(key);
  if (pinned !== null && fingerprint !== pinned) {
    return fail(`signed by a key with fingerprint ${fingerprint}, not the pinned key ${pinned}: this bundle was not made by that Tessera`);
  }
  return {
    ok: true,
    entries,
    head: null,
    exportedAt: header.exportedAt,
    keyVersion: selection.keyVersion,
    fingerprint,
    pinned: pinned !== null,
    since: null,
    legacy: false,
    selection: { filter: filter.data, total: selection.seq, omitted: selection.seq - entries },
  };
}
