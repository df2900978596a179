import type { ImportPreviewRow } from '../../shared/schemas/userImport';
import { runWorker } from '../runtime/worker';
import { sqliteNativeBinding } from '../store/db';
import type { ServiceContext } from './context';
import type { ImportRow } from './userCsv';
import { planUserImportAsync, readUserCsvOffThread, uploadForWorker, type ImportPlan } from './userImport';

/** Rows listed in a preview; the counts always cover the whole file. */
export const PREVIEW_ROW_LIMIT = 20_000;
/** Plan entries per message from the worker: each is decoded on the event loop, so it stays small (~3 ms; the worker sends the next once the loop has turned). */
export const PLAN_BATCH = 2000;
/** Room for a 50 MB file, its 200,000 rows and their plan; a file that needs more fails alone. */
const WORKER_HEAP_MB = 384;

export type PreviewProgress = { stage: 'reading'; rows: number; bytesRead: number; bytes: number } | { stage: 'checking'; done: number; total: number };

/** What the preview worker posts before its result: progress, and the plan in batches. */
export type PreviewMessage =
  | { kind: 'progress'; progress: PreviewProgress }
  | { kind: 'create'; entries: ImportPlan['create'] }
  | { kind: 'skip'; entries: ImportPlan['skip'] }
  | { kind: 'reject'; entries: ImportPlan['reject'] };

export interface PreviewWorkerInput {
  bytes: Uint8Array;
  dbFile: string;
  nativeBinding: string | undefined;
}

export interface PreviewWorkerResult {
  total: number;
  ignoredColumns: string[];
  rows: ImportPreviewRow[];
  truncated: boolean;
}

export interface UserImportPreview extends PreviewWorkerResult {
  plan: ImportPlan;
}

/**
 * What importing a user CSV would do, without changing anything. The file is
 * read AND checked in a worker thread over its own read-only connection (one
 * snapshot): a 200,000-row file costs the event loop only the decoding of its
 * plan, in batches of PLAN_BATCH, so verifies are answered throughout.
 * `bytes` is moved to the worker, unusable afterwards; aborting `signal`
 * stops the worker at once. An in-memory database (tests) is checked here, in slices.
 */
export async function previewUserImport(
  ctx: ServiceContext,
  bytes: Uint8Array,
  opts: { signal?: AbortSignal; onProgress?: (p: PreviewProgress) => void } = {},
): Promise<UserImportPreview> {
  const owned = uploadForWorker(bytes);
  const dbFile = ctx.store.db.location;
  if (dbFile === '' || dbFile === ':memory:') return previewHere(ctx, owned, opts);
  const plan: ImportPlan = { total: 0, create: [], skip: [], reject: [] };
  const input: PreviewWorkerInput = { bytes: owned, dbFile, nativeBinding: sqliteNativeBinding() };
  const result = await runWorker<PreviewWorkerResult, PreviewMessage>('userImportPreview', input, {
    transferList: [owned.buffer as ArrayBuffer],
    maxHeapMb: WORKER_HEAP_MB,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onMessage: (m) => {
      if (m.kind === 'progress') opts.onProgress?.(m.progress);
      else if (m.kind === 'create') for (const e of m.entries) plan.create.push(e);
      else if (m.kind === 'skip') for (const e of m.entries) plan.skip.push(e);
      else for (const e of m.entries) plan.reject.push(e);
    },
  });
  plan.total = result.total;
  return { ...result, plan };
}

async function previewHere(
  ctx: ServiceContext,
  bytes: Uint8Array,
  opts: { signal?: AbortSignal; onProgress?: (p: PreviewProgress) => void },
): Promise<UserImportPreview> {
  const { rows, ignoredColumns } = await readUserCsvOffThread(bytes, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => opts.onProgress?.({ stage: 'reading', ...p }),
  });
  const plan = await planUserImportAsync(ctx, rows, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (done) => opts.onProgress?.({ stage: 'checking', done, total: rows.length }),
  });
  return { plan, total: plan.total, ignoredColumns, ...listPreviewRows(plan, rows) };
}

/** The rows a preview lists: rejected and skipped first (what the operator must read), then created ones, up to PREVIEW_ROW_LIMIT, in file order. */
export function listPreviewRows(plan: ImportPlan, fileRows: readonly ImportRow[]): { rows: ImportPreviewRow[]; truncated: boolean } {
  const byRow = new Map<number, ImportRow>();
  for (const r of fileRows) byRow.set(r.row, r);
  const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v);
  const rows: ImportPreviewRow[] = [];
  for (const r of plan.reject) {
    if (rows.length >= PREVIEW_ROW_LIMIT) break;
    const src = byRow.get(r.row);
    rows.push({ row: r.row, outcome: 'reject', username: text(src?.username), email: text(src?.email), displayName: text(src?.displayName), reason: r.reason });
  }
  for (const s of plan.skip) {
    if (rows.length >= PREVIEW_ROW_LIMIT) break;
    const src = byRow.get(s.row);
    rows.push({ row: s.row, outcome: 'skip', username: s.username, email: text(src?.email), displayName: text(src?.displayName), reason: s.reason });
  }
  for (const c of plan.create) {
    if (rows.length >= PREVIEW_ROW_LIMIT) break;
    rows.push({
      row: c.row,
      outcome: 'create',
      username: c.input.username,
      email: c.input.email ?? null,
      displayName: c.input.displayName ?? null,
      reason: null,
    });
  }
  rows.sort((a, b) => a.row - b.row);
  return { rows, truncated: rows.length < plan.total };
}
