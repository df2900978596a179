/**
 * The modules Tessera runs in worker threads (server/runtime/worker.ts), by
 * name, with their source file relative to the repository root.
 * build/electron.ts bundles each one to dist-electron/workers/<name>.js, which
 * is where the desktop app's bundled main process finds it.
 */
export const WORKER_ENTRIES = {
  /** A user CSV (import preview), parsed off the event loop. */
  userCsv: 'server/services/userCsv.worker.ts',
  /** An import preview: the CSV read and every row checked over its own read-only connection. */
  userImportPreview: 'server/services/userImportPreview.worker.ts',
  /** The audit log's integrity check over its own read-only connection. */
  auditVerify: 'server/services/auditVerify.worker.ts',
  /** A hashing thread: password and recovery-code scrypt at a low priority (server/runtime/scryptPool.ts). */
  scrypt: 'server/runtime/scrypt.worker.ts',
  /** The audit anchor file's reads and writes after commits (server/services/auditAnchor.ts). */
  auditAnchor: 'server/services/auditAnchor.worker.ts',
} as const;

export type WorkerName = keyof typeof WORKER_ENTRIES;
