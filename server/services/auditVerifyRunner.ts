import { TesseraError } from '../../shared/errors';
import type { AuditVerifyResult } from '../../shared/schemas/audit';
import { sqliteNativeBinding } from '../store/db';
import type { VerifyProgress, VerifyTrust } from './auditVerify';
import { runWorker } from '../runtime/worker';
import type { VerifyWorkerInput } from './auditVerify.worker';

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

/** How many checks run now (the console refuses a new one with a 429 up front instead of a failed job). */
export function checksRunning(): number {
  return running;
}

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
    throw new TesseraError('throttled', `${MAX_CONCURRENT_CHECKS} audit integrity checks are already running; try again when one has finished`, {
      retryAfterSeconds: 10,
    });
  }
  running++;
  try {
    const input: VerifyWorkerInput = { dbFile, trust, nativeBinding: sqliteNativeBinding(), pageSize: PAGE_SIZE };
    return await runWorker<AuditVerifyResult, VerifyProgress>('auditVerify', input, {
      maxHeapMb: WORKER_HEAP_MB,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onMessage: opts.onProgress } : {}),
    });
  } catch (err) {
    if (err instanceof TesseraError || opts.signal?.aborted) throw err;
    throw new TesseraError('internal', `The integrity check could not run: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    running--;
  }
}
