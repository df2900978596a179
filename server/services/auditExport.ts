import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import readline from 'node:readline';
import type { Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TesseraError } from '../../shared/errors';
import { AuditEntry, type AuditQuery } from '../../shared/schemas/audit';
import { GENESIS_HASH, verifyChain, type AuditContent, type ChainProblem } from '../core/audit/chain';
import { keyFingerprint, normalizeFingerprint, signHead, verifyHead, verifyLegacyPoint } from '../core/audit/checkpoint';
import type { AuditFilter, AuditRow } from '../store/index';
import { rowToEntry, toFilter } from './auditLog';
import type { Actor, ServiceContext } from './context';

/*
 * Audit bundle: JSON lines.
 *   {"type":"tessera-audit-bundle","version":2,"exportedAt":ISO,"publicKeys":[{"version":1,"spki":"<base64 DER>"}]}
 *   {"type":"entry", ...AuditEntry}            one per entry, seq 1..N, oldest first
 *   {"type":"checkpoint","seq":N,"hash":"…","signature":"…","keyVersion":1}
 * The checkpoint is the signed head taken when the export started; the bundle
 * holds exactly the entries up to it, so an auditor can recompute the chain
 * from genesis and check that the signature covers the last entry — an
 * edited, removed (middle or tail) or reordered entry fails, offline.
 * A filtered bundle says "filtered":true (and the filter) in its header: its
 * entries are not a contiguous chain and cannot be recomputed.
 *
 * Version 2: the final checkpoint is the head's signature
 * ("tessera-audit-head:v2:…"), which no checkpoint signature can stand in
 * for. Version 1 bundles (one message for both) are still read.
 *
 * What the bundle cannot prove by itself: WHO signed it (the public key is
 * in the file: an auditor pins its fingerprint, --key) and that it is not an
 * older state than one seen before (an auditor keeps the last head, --since).
 */

export const BUNDLE_TYPE = 'tessera-audit-bundle';
export const BUNDLE_VERSION = 2;
/** Bundle versions verifyAuditBundle reads. */
const READABLE_VERSIONS = [1, 2] as const;

/** The audit filters an export can take (the console's export reuses its list filters). */
export type AuditExportFilter = Pick<AuditQuery, 'user' | 'action' | 'actor' | 'outcome' | 'from' | 'to'>;

export interface BundleHeader {
  type: typeof BUNDLE_TYPE;
  version: (typeof READABLE_VERSIONS)[number];
  exportedAt: string;
  publicKeys: { version: number; spki: string }[];
  filtered?: true;
  filter?: AuditExportFilter;
}

export interface BundleCheckpoint {
  type: 'checkpoint';
  seq: number;
  hash: string;
  signature: string;
  keyVersion: number;
}

export interface ExportOptions {
  /** Only entries matching this (the bundle then cannot be chain-verified; its header says so). */
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

/** `jsonl`: the audit bundle above. `csv`: one row per entry under a header row, for spreadsheets. */
export type ExportFormat = 'jsonl' | 'csv';

export const CSV_COLUMNS = ['seq', 'at', 'actor_kind', 'actor_id', 'actor', 'action', 'user', 'outcome', 'reason', 'ip', 'details', 'hash'] as const;

/**
 * One CSV cell, always quoted. A cell a spreadsheet would read as a formula
 * (starting with = + - @, or a tab or carriage return) gets a leading
 * apostrophe, so opening an export never runs what a user name or reason
 * smuggled in (OWASP "CSV injection").
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvRow(entry: AuditEntry): string {
  const cells: (string | number | null)[] = [
    entry.seq, entry.at, entry.actor.kind, entry.actor.id, entry.actor.name, entry.action, entry.user,
    entry.outcome, entry.reason, entry.ip, entry.details === null ? null : JSON.stringify(entry.details), entry.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

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

  const { head, total } = ctx.store.tx(() => {
    const head = ctx.audit.signedHead() ?? signedGenesis(ctx);
    const total = storeFilter ? ctx.store.audit.count(storeFilter, head.seq) : head.seq;
    ctx.audit.append({
      actor, action: 'audit.export', outcome: 'success',
      details: { format, throughSeq: head.seq, entries: total, filtered, ...(filter ? { filter: compact(filter) } : {}) },
    });
    return { head, total };
  });
  return { total, headSeq: head.seq, lines: exportLines(ctx, opts, format, head, filter, storeFilter) };
}

async function* exportLines(
  ctx: ServiceContext,
  opts: ExportOptions,
  format: ExportFormat,
  head: { seq: number; hash: string; signature: string; keyVersion: number },
  filter: AuditExportFilter | undefined,
  storeFilter: AuditFilter | null,
): AsyncGenerator<string, ExportSummary> {
  const pageSize = opts.pageSize ?? 5000;
  if (format === 'jsonl') {
    const header: BundleHeader = {
      type: BUNDLE_TYPE,
      version: BUNDLE_VERSION,
      exportedAt: new Date(ctx.clock()).toISOString(),
      publicKeys: ctx.keyring.publicSigningKeys().map((k) => ({ version: k.version, spki: k.publicKeyDer.toString('base64') })),
      ...(filter ? { filtered: true as const, filter: compact(filter) } : {}),
    };
    yield `${JSON.stringify(header)}\n`;
  } else {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
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
      lines += format === 'jsonl' ? `${JSON.stringify({ type: 'entry', ...entry })}\n` : csvRow(entry);
      entries++;
      after = row.seq;
    }
    if (lines) yield lines;
    if (rows.length < pageSize || rows[rows.length - 1]!.seq > head.seq) break;
    opts.onProgress?.({ entries, throughSeq: after, headSeq: head.seq });
    await yieldToLoop();
  }
  opts.onProgress?.({ entries, throughSeq: head.seq, headSeq: head.seq });

  if (format === 'jsonl') {
    const checkpoint: BundleCheckpoint = { type: 'checkpoint', seq: head.seq, hash: head.hash, signature: head.signature, keyVersion: head.keyVersion };
    yield `${JSON.stringify(checkpoint)}\n`;
  }
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
function signedGenesis(ctx: ServiceContext): { seq: number; hash: string; signature: string; keyVersion: number } {
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
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    throw fileError(err, file);
  }
  const out = fs.createWriteStream('', { fd, autoClose: true });
  try {
    const summary = await writeAuditBundle(ctx, out, actor, opts);
    out.end();
    await once(out, 'finish');
    return summary;
  } catch (err) {
    out.destroy();
    await once(out, 'close').catch(() => undefined);
    fs.rmSync(file, { force: true });
    throw err;
  }
}

export function fileError(err: unknown, file: string): TesseraError {
  const code = (err as { code?: string }).code;
  if (code === 'EEXIST') return new TesseraError('conflict', `${file} already exists; choose another file name (nothing is overwritten)`);
  if (code === 'ENOENT') return new TesseraError('not_found', `${file}: no such file or folder`);
  if (code === 'EACCES' || code === 'EPERM') return new TesseraError('forbidden', `${file}: permission denied`);
  if (code === 'EISDIR') return new TesseraError('bad_request', `${file} is a folder, not a file`);
  return new TesseraError('internal', `${file}: ${err instanceof Error ? err.message : String(err)}`);
}

// ---------------------------------------------------------------------------
// Offline verification

/** SHA-256 of the public key's SPKI DER, as hex in groups of four: compare it with `tessera audit key`. */
export const publicKeyFingerprint = keyFingerprint;

/** The public key as PEM. */
export function publicKeyPem(spkiDer: Buffer): string {
  return createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}

export type BundleVerifyResult =
  | {
      ok: true;
      entries: number;
      head: string;
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

function entryContent(e: AuditEntry): AuditContent & { hash: string } {
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
  if (opts.pinnedKey !== undefined && pinned === null) throw new TesseraError('bad_request', 'The pinned key must be a SHA-256 fingerprint: 64 hex digits (groups and spaces allowed), as "tessera audit key" prints it');
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

  for await (const raw of lines) {
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
      if (!READABLE_VERSIONS.includes(h.version as 1 | 2)) return fail(`bundle version ${String(h.version)} is not one this Tessera reads`);
      if (typeof h.exportedAt !== 'string' || !Array.isArray(h.publicKeys) || h.publicKeys.length === 0) return fail('the header lacks exportedAt or publicKeys');
      for (const k of h.publicKeys) {
        if (!k || !Number.isSafeInteger(k.version) || typeof k.spki !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k.spki)) return fail('a public key in the header is malformed');
        const der = Buffer.from(k.spki, 'base64');
        keys.set(k.version, der);
      }
      fingerprints = [...keys].map(([version, der]) => ({ version, fingerprint: publicKeyFingerprint(der) }));
      header = h as BundleHeader;
      if (header.filtered) {
        return fail('this bundle is filtered, so its entries are not a whole chain and cannot be recomputed; export without a filter to verify');
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
  if (checkpoint.seq > lastSeq) return fail(`entries missing at the end: the bundle stops at #${lastSeq} but its signed checkpoint covers #${checkpoint.seq}`, lastSeq + 1);
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
    ok: true, entries, head: prevHash, exportedAt: header.exportedAt, keyVersion: checkpoint.keyVersion, fingerprint,
    pinned: pinned !== null, since: opts.since ?? null, legacy,
  };
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
