/**
 * Worker entry (WORKER_ENTRIES.auditVerify) of the integrity check: opens its
 * own read-only connection to the database file, runs the whole check inside
 * one read transaction (one snapshot, however long it takes) and posts
 * progress after each page. Cancelling terminates the thread.
 */
import { Db, setSqliteNativeBinding } from '../store/db';
import { Store } from '../store/index';
import { serveWorkerTask } from '../runtime/workerTask';
import { verifySteps, type VerifyProgress, type VerifyTrust } from './auditVerify';
import type { AuditVerifyResult } from '../../shared/schemas/audit';

export interface VerifyWorkerInput {
  dbFile: string;
  trust: VerifyTrust;
  nativeBinding: string | undefined;
  pageSize: number;
}

function run(input: VerifyWorkerInput, post: (p: VerifyProgress) => void): AuditVerifyResult {
  if (input.nativeBinding !== undefined) setSqliteNativeBinding(input.nativeBinding);
  // Buffers arrive as plain Uint8Arrays (structured clone).
  const trust: VerifyTrust = {
    ...input.trust,
    publicKeys: input.trust.publicKeys.map((k) => ({ version: k.version, publicKeyDer: Buffer.from(k.publicKeyDer) })),
  };
  const store = new Store(Db.open(input.dbFile, { readonly: true }));
  try {
    return store.db.read(() => {
      const steps = verifySteps(store, trust, input.pageSize);
      for (;;) {
        const next = steps.next();
        if (next.done) return next.value;
        post(next.value);
      }
    });
  } finally {
    store.close();
  }
}

serveWorkerTask<VerifyWorkerInput, AuditVerifyResult, VerifyProgress>(run);
