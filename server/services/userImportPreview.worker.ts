/**
 * Worker entry (WORKER_ENTRIES.userImportPreview): reads a user CSV and checks
 * every row against the users over its own read-only connection, inside one
 * read transaction (one snapshot), then posts the plan back in batches. The
 * event loop only decodes those batches. Input: the file's bytes (moved here).
 */
import { serveWorkerTask } from '../runtime/workerTask';
import { Db, setSqliteNativeBinding } from '../store/db';
import { Store } from '../store/index';
import { parseUserCsv, type ImportRow } from './userCsv';
import { planUserImportAmong } from './userImport';
import { listPreviewRows, PLAN_BATCH, type PreviewMessage, type PreviewWorkerInput, type PreviewWorkerResult } from './userImportPreview';

async function run(input: PreviewWorkerInput, post: (m: PreviewMessage) => Promise<void>): Promise<PreviewWorkerResult> {
  if (input.nativeBinding !== undefined) setSqliteNativeBinding(input.nativeBinding);
  const bytes = input.bytes.byteLength;
  const rows: ImportRow[] = [];
  const { ignoredColumns } = parseUserCsv(input.bytes, (batch) => {
    for (const r of batch.rows) rows.push(r);
    void post({ kind: 'progress', progress: { stage: 'reading', rows: rows.length, bytesRead: batch.bytesRead, bytes } });
  });
  const store = new Store(Db.open(input.dbFile, { readonly: true }));
  try {
    const plan = store.db.read(() =>
      planUserImportAmong(store.users, rows, (done) => void post({ kind: 'progress', progress: { stage: 'checking', done, total: rows.length } })),
    );
    // One batch at a time: each is decoded on the event loop, which turns between them.
    for (let i = 0; i < plan.create.length; i += PLAN_BATCH) await post({ kind: 'create', entries: plan.create.slice(i, i + PLAN_BATCH) });
    for (let i = 0; i < plan.skip.length; i += PLAN_BATCH) await post({ kind: 'skip', entries: plan.skip.slice(i, i + PLAN_BATCH) });
    for (let i = 0; i < plan.reject.length; i += PLAN_BATCH) await post({ kind: 'reject', entries: plan.reject.slice(i, i + PLAN_BATCH) });
    return { total: plan.total, ignoredColumns, ...listPreviewRows(plan, rows) };
  } finally {
    store.close();
  }
}

serveWorkerTask<PreviewWorkerInput, PreviewWorkerResult, PreviewMessage>(run);
