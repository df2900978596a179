import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TesseraError } from '../../shared/errors';
import type { AuditVerifyResult } from '../../shared/schemas/audit';
import { sqliteNativeBinding } from '../store/db';
import type { VerifyProgress, VerifyTrust } from './auditVerify';
import type { VerifyWorkerInput, VerifyWorkerMessage } from './auditVerifyWorker';

/**
 * Integrity checks running at once in this process, over all callers (the
 * console's jobs, REST, the CLI). Each is a worker thread with its own
 * connection and a bounded heap; more would only compete for the same disk
 * and cores that verifies need.
 */
export const MAX_CONCURRENT_CHECKS = 2;
/** Entries read per page in the worker (its memory is about one page). */
const PAGE_SIZE = 2000;
/** The worker's heap limit: the check pages through rows, so this is ample. */
const WORKER_HEAP_MB = 64;

let running = 0;

export interface WorkerCheckOptions {
  signal?: AbortSignal;
  onProgress?: (p: VerifyProgress) => void;
}

/**
 * Runs the integrity check in a worker thread over the database file, so a
 * check of a large log never holds this thread's event loop. Cancelling (the
 * signal) terminates the worker at once. More than MAX_CONCURRENT_CHECKS at
 * once: a 429 with Retry-After.
 */
export async function verifyInWorker(dbFile: string, trust: VerifyTrust, opts: WorkerCheckOptions = {}): Promise<AuditVerifyResult> {
  opts.signal?.throwIfAborted();
  if (running >= MAX_CONCURRENT_CHECKS) {
    throw new TesseraError('throttled', `${MAX_CONCURRENT_CHECKS} audit integrity checks are already running; try again when one has finished`, { retryAfterSeconds: 10 });
  }
  running++;
  const input: VerifyWorkerInput = { dbFile, trust, nativeBinding: sqliteNativeBinding(), pageSize: PAGE_SIZE };
  let worker: Worker;
  try {
    worker = new Worker(workerEntry(), { workerData: input, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  } catch (err) {
    running--;
    throw new TesseraError('internal', `The integrity check could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  return new Promise<AuditVerifyResult>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      running--;
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(opts.signal!.reason));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: VerifyWorkerMessage) => {
      if (m.type === 'progress') opts.onProgress?.({ done: m.done, total: m.total });
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(new TesseraError('internal', `The integrity check could not run: ${m.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new TesseraError('internal', `The integrity check could not run: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new TesseraError('internal', `The integrity check stopped early (worker exit code ${code})`))));
  });
}

/**
 * The worker's script: the desktop bundle's built auditVerifyWorker.js next
 * to it (build/electron.ts), else the source tree's .mjs shim, which loads
 * the TypeScript entry through tsx (the CLI, npm start and vitest).
 */
function workerEntry(): URL {
  const bundled = new URL('./auditVerifyWorker.js', import.meta.url);
  if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled))) return bundled;
  return new URL('./auditVerifyWorker.mjs', import.meta.url);
}
