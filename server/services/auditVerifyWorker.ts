import { parentPort, workerData } from 'node:worker_threads';
import { Db, setSqliteNativeBinding } from '../store/db';
import { Store } from '../store/index';
import { verifySteps, type VerifyTrust } from './auditVerify';
import type { AuditVerifyResult } from '../../shared/schemas/audit';

/**
 * Worker thread entry of the integrity check (auditVerifyRunner starts it):
 * opens its own read-only connection to the database file, runs the whole
 * check inside one read transaction (one snapshot, however long it takes),
 * and posts progress after each page. Cancelling terminates the thread.
 */
export interface VerifyWorkerInput {
  dbFile: string;
  trust: VerifyTrust;
  nativeBinding: string | undefined;
  pageSize: number;
}

export type VerifyWorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; result: AuditVerifyResult }
  | { type: 'error'; message: string };

function run(input: VerifyWorkerInput): AuditVerifyResult {
  if (input.nativeBinding !== undefined) setSqliteNativeBinding(input.nativeBinding);
  // Buffers arrive as plain Uint8Arrays (structured clone).
  const trust: VerifyTrust = { ...input.trust, publicKeys: input.trust.publicKeys.map((k) => ({ version: k.version, publicKeyDer: Buffer.from(k.publicKeyDer) })) };
  const store = new Store(new Db(input.dbFile, { readonly: true }));
  try {
    return store.db.read(() => {
      const steps = verifySteps(store, trust, input.pageSize);
      for (;;) {
        const next = steps.next();
        if (next.done) return next.value;
        post({ type: 'progress', done: next.value.done, total: next.value.total });
      }
    });
  } finally {
    store.close();
  }
}

function post(message: VerifyWorkerMessage): void {
  parentPort!.postMessage(message);
}

try {
  post({ type: 'result', result: run(workerData as VerifyWorkerInput) });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
