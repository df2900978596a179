/** The anchor thread (server/services/auditAnchor.ts, ThreadedFileAnchorStore): the anchor file's reads and writes, off the event loop. */
import { serveWorkerRequests } from '../runtime/workerTask';
import { FileAnchorStore, type AnchorJob, type AnchorRead } from './auditAnchor';

serveWorkerRequests<AnchorJob, AnchorRead | string>((job) => {
  try {
    const store = new FileAnchorStore(job.where, { fsync: job.fsync });
    return job.op === 'read' ? store.read() : store.write(job.anchor, { force: job.force });
  } finally {
    // Done with the file: a closing store waiting in drain() may go on (before this reply is even read).
    Atomics.store(job.done, 0, 1);
    Atomics.notify(job.done, 0);
  }
});
