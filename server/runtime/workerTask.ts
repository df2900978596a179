import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { TesseraError, type ErrorCode } from '../../shared/errors';

/** What a worker task posts to the thread that started it (server/runtime/worker.ts reads these). */
export type WorkerReply<R, M> =
  | { type: 'message'; value: M }
  | { type: 'result'; value: R }
  /** code is null for anything but a TesseraError: the caller reports it as an internal error. */
  | { type: 'error'; code: ErrorCode | null; message: string };

/** What the starting thread sends back: one ack per message, once it has handled it and let its event loop turn. */
export interface WorkerAck {
  type: 'ack';
}

/**
 * The body of a worker entry module: runs `task` on the workerData it was
 * started with, passes it a `post` for messages along the way (progress,
 * batches of results), then posts the result, or the error it threw.
 * A TesseraError keeps its code and message on the other side.
 *
 * `post` resolves once the other side has handled that message and turned
 * its event loop. A task sending many large messages (the plan of a
 * 200,000-row import) awaits each one: queued all at once, they would be
 * decoded in one go on the event loop (~270 ms for 200,000 entries).
 * Small progress messages need not be awaited.
 */
export function serveWorkerTask<I, R, M = never>(task: (input: I, post: (message: M) => Promise<void>) => R | Promise<R>): void {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error('serveWorkerTask runs in a worker thread (server/runtime/worker.ts starts one)');
  lowerThreadPriority();
  const reply = (r: WorkerReply<R, M>) => port.postMessage(r);
  const acks: (() => void)[] = [];
  port.on('message', (m: WorkerAck) => {
    if (m.type === 'ack') acks.shift()?.();
  });
  const post = (value: M) =>
    new Promise<void>((resolve) => {
      acks.push(resolve);
      reply({ type: 'message', value });
    });
  Promise.resolve()
    .then(() => task(workerData as I, post))
    .then(
      (value) => reply({ type: 'result', value }),
      (err: unknown) =>
        reply(
          err instanceof TesseraError
            ? { type: 'error', code: err.code, message: err.message }
            : { type: 'error', code: null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        ),
    )
    // The ack listener keeps the thread alive; the starting thread ends it on the result.
    .finally(() => port.unref());
}

/** What an error reply stands for on the starting side: a TesseraError keeps its code and message; anything else says which worker failed. */
export function errorOfReply(worker: string, reply: { code: ErrorCode | null; message: string }): Error {
  return reply.code !== null ? new TesseraError(reply.code, reply.message) : new Error(`worker ${worker} failed: ${reply.message}`);
}

/** A request to a long-lived worker (server/runtime/workerPool.ts): its id comes back on the reply. */
export interface WorkerRequest<I> {
  id: number;
  input: I;
}

/** The reply to one request: the result, or the error it threw (as in WorkerReply). */
export type WorkerRequestReply<R> = { id: number } & ({ type: 'result'; value: R } | { type: 'error'; code: ErrorCode | null; message: string });

/**
 * The body of a long-lived worker's entry module: answers each request the
 * starting thread sends with `handle`'s result or error, one at a time, for
 * as long as the thread lives (the pool ends it). Runs at WORKER_NICE, like a task.
 */
export function serveWorkerRequests<I, R>(handle: (input: I) => R | Promise<R>): void {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error('serveWorkerRequests runs in a worker thread (server/runtime/workerPool.ts starts one)');
  lowerThreadPriority();
  port.on('message', (req: WorkerRequest<I>) => {
    Promise.resolve()
      .then(() => handle(req.input))
      .then(
        (value) => port.postMessage({ id: req.id, type: 'result', value } satisfies WorkerRequestReply<R>),
        (err: unknown) =>
          port.postMessage(
            (err instanceof TesseraError
              ? { id: req.id, type: 'error', code: err.code, message: err.message }
              : {
                  id: req.id,
                  type: 'error',
                  code: null,
                  message: err instanceof Error ? (err.stack ?? err.message) : String(err),
                }) satisfies WorkerRequestReply<R>,
          ),
      );
  });
}

/** The nice value of a worker task's thread: background work, so the event loop gets a core first. */
export const WORKER_NICE = 10;

/**
 * Lowers this thread's scheduling priority (Linux: setpriority on the thread id
 * from /proc/thread-self). On a small machine the event loop, answering
 * verifies, then runs before a CPU-bound import preview or integrity check.
 * Elsewhere, or when not allowed, the thread keeps its priority.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE);
  } catch {
    // Not allowed or no /proc: the work runs at normal priority.
  }
}
