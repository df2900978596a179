import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { TesseraError, type ErrorCode } from '../../shared/errors';

/** What a worker task posts to the thread that started it (server/runtime/worker.ts reads these). */
export type WorkerReply<R, M> =
  | { type: 'message'; value: M }
  | { type: 'result'; value: R }
  /** code is null for anything but a TesseraError: the caller reports it as an internal error. */
  | { type: 'error'; code: ErrorCode | null; message: string };

/**
 * The body of a worker entry module: runs `task` on the workerData it was
 * started with, passes it a `post` for messages along the way (progress,
 * batches of results), then posts the result, or the error it threw.
 * A TesseraError keeps its code and message on the other side.
 */
export function serveWorkerTask<I, R, M = never>(task: (input: I, post: (message: M) => void) => R | Promise<R>): void {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error('serveWorkerTask runs in a worker thread (server/runtime/worker.ts starts one)');
  const reply = (r: WorkerReply<R, M>) => port.postMessage(r);
  Promise.resolve()
    .then(() => task(workerData as I, (value) => reply({ type: 'message', value })))
    .then(
      (value) => reply({ type: 'result', value }),
      (err: unknown) =>
        reply(
          err instanceof TesseraError
            ? { type: 'error', code: err.code, message: err.message }
            : { type: 'error', code: null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        ),
    );
}
