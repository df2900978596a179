import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import { WORKER_ENTRIES, type WorkerName } from './workerEntries';
import { errorOfReply, WORKER_NICE, type WorkerAck, type WorkerReply } from './workerTask';

/** How to start a worker: a script URL, or code to evaluate. */
export interface WorkerLaunch {
  script: string | URL;
  eval: boolean;
}

/**
 * Where the worker `name` is, seen from the module at `moduleUrl` (this one's by default):
 * - from source (a .ts module: tsx for npm start and the CLI, vitest for tests), the worker
 *   imports its .ts entry through tsx's API (Node 20's workers do not inherit --import hooks);
 * - bundled (this code inside dist-electron/main.js), the entry built beside it by
 *   build/electron.ts as workers/<name>.js.
 */
export function workerLaunch(name: WorkerName, moduleUrl: string = import.meta.url): WorkerLaunch {
  if (!moduleUrl.endsWith('.ts')) return { script: new URL(`./workers/${name}.js`, moduleUrl), eval: false };
  const root = path.resolve(path.dirname(fileURLToPath(moduleUrl)), '..', '..');
  const entry = JSON.stringify(pathToFileURL(path.join(root, WORKER_ENTRIES[name])).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return { script: `import(${tsx}).then((tsx) => tsx.tsImport(${entry}, ${entry}))`, eval: true };
}

/**
 * The code a worker thread is started with: it lowers the thread's priority
 * to WORKER_NICE first (as serveWorkerTask does), then loads the entry. So
 * loading the entry's modules also yields to the event loop: from source that
 * is tsx compiling them at every preview (its loader thread and esbuild
 * inherit the nice value).
 */
export function lowPriorityStart(launch: WorkerLaunch): string {
  const load = launch.eval ? String(launch.script) : `import(${JSON.stringify(String(launch.script))});`;
  return (
    `Promise.all([import('node:fs'), import('node:os')]).then(([fs, os]) => {` +
    `  if (process.platform !== 'linux') return;` +
    `  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());` +
    `  if (Number.isSafeInteger(tid) && tid > 0) os.setPriority(tid, ${WORKER_NICE});` +
    `}).catch(() => {}).then(() => {\n${load}\n});`
  );
}

export interface RunWorkerOptions<M> {
  /** Moved to the worker instead of copied (an ArrayBuffer in the input: the sender can no longer use it). */
  transferList?: readonly Transferable[];
  /** Aborting ends the worker at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Each message the task posts before its result, in order. A throw here ends the worker and rejects. */
  onMessage?: (message: M) => void;
  /** The worker's heap limit: a task that outgrows it fails alone instead of growing the server. */
  maxHeapMb?: number;
  /** For tests: where the worker is started from (see workerLaunch). */
  launch?: WorkerLaunch;
}

/**
 * Runs the worker task `name` (an entry in WORKER_ENTRIES whose module calls
 * serveWorkerTask) on `input` in a thread of its own, so its CPU time never
 * holds up the event loop; resolves with its result. The task's TesseraError
 * rejects as the same TesseraError; any other failure as an Error.
 */
export function runWorker<R, M = never>(name: WorkerName, input: unknown, opts: RunWorkerOptions<M> = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const { signal } = opts;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const launch = opts.launch ?? workerLaunch(name);
    const worker = new Worker(lowPriorityStart(launch), {
      eval: true,
      workerData: input,
      ...(opts.transferList ? { transferList: [...opts.transferList] } : {}),
      ...(opts.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb } } : {}),
    });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: WorkerReply<R, M>) => {
      if (settled) return;
      if (reply.type === 'message') {
        try {
          opts.onMessage?.(reply.value);
        } catch (err) {
          finish(() => reject(err));
          return;
        }
        // After a turn of the event loop: a task awaiting its acks sends its next message only then.
        const ack: WorkerAck = { type: 'ack' };
        setImmediate(() => {
          if (!settled) worker.postMessage(ack);
        });
      } else if (reply.type === 'result') {
        finish(() => resolve(reply.value));
      } else {
        finish(() => reject(errorOfReply(name, reply)));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`worker ${name} stopped (exit code ${code}) before its result`))));
  });
}
