import { once } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';
import type { Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { bundleCheckpointLine, bundleEntryLine, bundleHeaderLine, type AuditExportFilter, type SignedPoint } from '../core/audit/bundle';
import { verifyAuditBundle, type BundleVerifyOptions, type BundleVerifyResult } from '../core/audit/bundleVerify';
import { GENESIS_HASH } from '../core/audit/chain';
import { signHead } from '../core/audit/checkpoint';
import { CSV_HEADER_LINE, csvRow } from '../core/audit/csv';
import type { AuditFilter, AuditRow } from '../store/index';
import { rowToEntry, toFilter } from './auditLog';
import type { Actor, ServiceContext } from './context';
import { checkBeforeSigning, selectionLines } from './auditExportSelection';
import { fileError, reserveNewFile, writeOutputFile } from './outputFiles';

/*
 * The audit export use case: the console's download and `tessera audit
 * export`. The bundle format and its offline verifier are in core/audit/
 * (bundle.ts, bundleVerify.ts), the CSV in core/audit/csv.ts; the file
 * lifecycle (0600, never overwritten, removed on failure) in outputFiles.ts.
 */

export interface ExportOptions {
  /**
   * Only entries matching this. A JSON-lines export is then a filtered bundle
   * (version 3) ending with a signed selection, after the whole log up to the
   * head was recomputed (auditExportSelection.ts); CSV just the matching rows.
   */
  filter?: AuditExportFilter;
  /** Entries read per page; the event loop gets a turn between pages. Default 5000. */
  pageSize?: number;
  /** After each page: entries written so far and the last seq written. */
  onProgress?: (p: { entries: number; throughSeq: number; headSeq: number }) => void;
  /** Checked between pages; an aborted export throws the signal's reason. */
  signal?: AbortSignal;
}

export interface ExportSummary {
  entries: number;
  /** The signed head the bundle ends with. */
  headSeq: number;
  filtered: boolean;
}

function isFiltered(filter: AuditExportFilter | undefined): filter is AuditExportFilter {
  return !!filter && Object.values(filter).some((v) => v !== undefined);
}

/** `jsonl`: the audit bundle (core/audit/bundle.ts). `csv`: one row per entry under a header row (core/audit/csv.ts), for spreadsheets. */
export type ExportFormat = 'jsonl' | 'csv';

export interface StartedExport {
  /** How many entries the export holds (the filter's matches up to the head), known before the first line. */
  total: number;
  /** The signed head the export stops at. */
  headSeq: number;
  /** The text, in chunks (each ends with a line break); returns the summary when done. */
  lines: AsyncGenerator<string, ExportSummary>;
}

/**
 * Starts an export: in one transaction takes the signed head, counts what
 * the filter selects up to it and appends the 'audit.export' entry (format,
 * filter, count) — so the export's own entry is not in it, and the count is
 * exact (the log only grows). The text then comes page by page, oldest
 * first, in constant memory: `pageSize` entries read by seq (no SQLite
 * iterator is held across an await), a turn for the event loop between pages.
 */
export function startAuditExport(ctx: ServiceContext, actor: Actor, opts: ExportOptions & { format?: ExportFormat } = {}): StartedExport {
  const format = opts.format ?? 'jsonl';
  const filtered = isFiltered(opts.filter);
  const filter = filtered ? opts.filter : undefined;
  const storeFilter = filter ? toFilter(filter) : null;
  opts.signal?.throwIfAborted();

  // A bundle's signature vouches for the log: refuse at once if the cheap checks already fail.
  if (format === 'jsonl') checkBeforeSigning(ctx, filter ? 'selection' : 'bundle');
  const { head, total } = ctx.store.tx(() => {
    const head = ctx.audit.signedHead() ?? signedGenesis(ctx);
    const total = storeFilter ? ctx.store.audit.count(storeFilter, head.seq) : head.seq;
    ctx.audit.append({
      actor,
      action: 'audit.export',
      outcome: 'success',
      details: { format, throughSeq: head.seq, entries: total, filtered, ...(filter ? { filter: compact(filter) } : {}) },
    });
    return { head, total };
  });
  return { total, headSeq: head.seq, lines: exportLines(ctx, opts, format, head, filter, storeFilter, total) };
}

async function* exportLines(
  ctx: ServiceContext,
  opts: ExportOptions,
  format: ExportFormat,
  head: SignedPoint,
  filter: AuditExportFilter | undefined,
  storeFilter: AuditFilter | null,
  total: number,
): AsyncGenerator<string, ExportSummary> {
  const pageSize = opts.pageSize ?? 5000;
  if (format === 'jsonl' && filter) {
    const onProgress = opts.onProgress;
    const { entries } = yield* selectionLines(ctx, head, compact(filter), total, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    return { entries, headSeq: head.seq, filtered: true };
  }
  if (format === 'jsonl') {
    const keys = ctx.keyring.publicSigningKeys().map((k) => ({ version: k.version, spkiDer: k.publicKeyDer }));
    yield bundleHeaderLine(ctx.clock(), keys, filter ? compact(filter) : undefined);
  } else {
    yield CSV_HEADER_LINE;
  }

  let entries = 0;
  let after = 0;
  while (after < head.seq) {
    opts.signal?.throwIfAborted();
    const rows: AuditRow[] = storeFilter
      ? ctx.store.audit.page(storeFilter, { limit: pageSize, afterSeq: after, order: 'asc' })
      : ctx.store.audit.range(after + 1, pageSize);
    let lines = '';
    for (const row of rows) {
      if (row.seq > head.seq) break;
      const entry = rowToEntry(row);
      lines += format === 'jsonl' ? bundleEntryLine(entry) : csvRow(entry);
      entries++;
      after = row.seq;
    }
    if (lines) yield lines;
    if (rows.length < pageSize || rows[rows.length - 1]!.seq > head.seq) break;
    opts.onProgress?.({ entries, throughSeq: after, headSeq: head.seq });
    await yieldToLoop();
  }
  opts.onProgress?.({ entries, throughSeq: head.seq, headSeq: head.seq });

  if (format === 'jsonl') yield bundleCheckpointLine(head);
  return { entries, headSeq: head.seq, filtered: filter !== undefined };
}

/**
 * The bundle, line by line (each string ends with "\n"): `startAuditExport`
 * in the jsonl format, started (head taken, 'audit.export' appended) when
 * iteration starts.
 */
export async function* auditBundleLines(ctx: ServiceContext, actor: Actor, opts: ExportOptions = {}): AsyncGenerator<string, ExportSummary> {
  const started = startAuditExport(ctx, actor, { ...opts, format: 'jsonl' });
  return yield* started.lines;
}

/** An empty log still gets a signed point: seq 0 at the genesis hash. */
function signedGenesis(ctx: ServiceContext): SignedPoint {
  const key = ctx.keyring.signingKey();
  return { seq: 0, hash: GENESIS_HASH, signature: signHead(key.privateKeyDer, 0, GENESIS_HASH), keyVersion: key.version };
}

function compact(filter: AuditExportFilter): AuditExportFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as AuditExportFilter;
}

/** Writes the bundle to `out`, waiting for 'drain' when the stream is full. Does not end `out`. */
export async function writeAuditBundle(ctx: ServiceContext, out: Writable, actor: Actor, opts: ExportOptions = {}): Promise<ExportSummary> {
  const lines = auditBundleLines(ctx, actor, opts);
  for (;;) {
    const next = await lines.next();
    if (next.done) return next.value;
    if (!out.write(next.value)) await once(out, 'drain');
  }
}

/**
 * `tessera audit export --out FILE`: writes a new file (never overwrites;
 * mode 0600 — it names users and addresses). A failed or cancelled export
 * removes the partial file.
 */
export async function exportAuditToFile(ctx: ServiceContext, file: string, actor: Actor, opts: ExportOptions = {}): Promise<ExportSummary> {
  const target = reserveNewFile(file);
  return writeOutputFile(target, (out) => writeAuditBundle(ctx, out, actor, opts));
}

/** Verifies a bundle file, streaming it line by line. */
export async function verifyAuditBundleFile(file: string, opts: BundleVerifyOptions = {}): Promise<BundleVerifyResult> {
  let stream: fs.ReadStream;
  try {
    const fd = fs.openSync(file, 'r');
    stream = fs.createReadStream('', { fd, encoding: 'utf8' });
  } catch (err) {
    throw fileError(err, file);
  }
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  try {
    return await verifyAuditBundle(rl, opts);
  } finally {
    rl.close();
    stream.destroy();
  }
}
