import { Worker, type Transferable } from 'node:worker_threads';
import { lowPriorityStart, workerLaunch, type WorkerLaunch } from './worker';
import type { WorkerName } from './workerEntries';
import { errorOfReply, type WorkerRequest, type WorkerRequestReply } from './workerTask';

export type PoolPriority = 'high' | 'normal';

export interface WorkerPoolStats {
  /** Threads alive now (started on demand, at most `size`). */
  threads: number;
  busy: number;
  waiting: number;
  /** Most requests ever running at once since the pool began. */
  peakBusy: number;
  /** Requests answered (result or error) since the pool began. */
  answered: number;
}

interface Job<I, R> {
  input: I;
  transferList: readonly Transferable[];
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

interface Thread<I, R> {
  worker: Worker;
  job: (Job<I, R> & { id: number }) | null;
}

/**
 * Long-lived worker threads for many small requests (a thread costs
 * milliseconds to start, too much per password hash): at most `size`
 * threads, each running one request at a time; the rest wait, high priority
 * first, then in arrival order. The entry module calls serveWorkerRequests.
 * Idle threads do not keep the process alive; a thread that dies fails its
 * request and a fresh one starts for the next.
 */
export class WorkerPool<I, R> {
  private readonly threads = new Set<Thread<I, R>>();
  private readonly idle: Thread<I, R>[] = [];
  private readonly queues: Record<PoolPriority, Job<I, R>[]> = { high: [], normal: [] };
  private nextId = 1;
  private peak = 0;
  private answered = 0;

  constructor(
    readonly name: WorkerName,
    readonly size: number,
    /** For tests: where the threads are started from (see workerLaunch). */
    private readonly launch: () => WorkerLaunch = () => workerLaunch(name),
    /** Told when a thread starts on a request and when it has answered (observers: counting work). */
    private readonly hooks: { started?(input: I): void; ended?(input: I): void } = {},
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw new Error(`worker pool ${name}: size must be a positive integer, not ${size}`);
  }

  run(input: I, priority: PoolPriority = 'normal', transferList: readonly Transferable[] = []): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queues[priority].push({ input, transferList, resolve, reject });
      this.dispatch();
    });
  }

  stats(): WorkerPoolStats {
    return {
      threads: this.threads.size,
      busy: this.busyCount(),
      waiting: this.queues.high.length + this.queues.normal.length,
      peakBusy: this.peak,
      answered: this.answered,
    };
  }

  /** Ends every thread; requests running fail, waiting ones stay queued for threads started later. */
  async close(): Promise<void> {
    const all = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    for (const t of all) this.fail(t, new Error(`worker pool ${this.name} closed`));
    await Promise.all(all.map((t) => t.worker.terminate()));
  }

  private busyCount(): number {
    return this.threads.size - this.idle.length;
  }

  /** Hands waiting requests to idle threads, starting threads up to `size`. */
  private dispatch(): void {
    for (;;) {
      const queue = this.queues.high.length > 0 ? this.queues.high : this.queues.normal;
      if (queue.length === 0) return;
      const thread = this.idle.pop() ?? (this.threads.size < this.size ? this.start() : undefined);
      if (!thread) return;
      const job = queue.shift()!;
      const id = this.nextId++;
      thread.job = { ...job, id };
      thread.worker.ref();
      this.peak = Math.max(this.peak, this.busyCount());
      try {
        thread.worker.postMessage({ id, input: job.input } satisfies WorkerRequest<I>, [...job.transferList]);
      } catch (err) {
        // Not cloneable: this request fails, the thread stays good.
        thread.job = null;
        this.release(thread);
        job.reject(err);
        continue;
      }
      this.hooks.started?.(job.input);
    }
  }

  private start(): Thread<I, R> {
    const worker = new Worker(lowPriorityStart(this.launch()), { eval: true });
    const thread: Thread<I, R> = { worker, job: null };
    this.threads.add(thread);
    worker.on('message', (reply: WorkerRequestReply<R>) => {
      const job = thread.job;
      if (!job || reply.id !== job.id) return;
      thread.job = null;
      this.answered += 1;
      this.hooks.ended?.(job.input);
      this.release(thread);
      if (reply.type === 'result') job.resolve(reply.value);
      else job.reject(errorOfReply(this.name, reply));
      this.dispatch();
    });
    worker.on('error', (err) => this.lose(thread, err));
    worker.on('exit', (code) => this.lose(thread, new Error(`worker ${this.name} stopped (exit code ${code}) before its result`)));
    return thread;
  }

  private release(thread: Thread<I, R>): void {
    if (!this.threads.has(thread)) return;
    thread.worker.unref();
    this.idle.push(thread);
  }

  /** A thread that failed or stopped: its request fails, the next request gets a fresh thread. */
  private lose(thread: Thread<I, R>, err: unknown): void {
    if (!this.threads.delete(thread)) return;
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
    this.fail(thread, err);
    void thread.worker.terminate();
    this.dispatch();
  }

  private fail(thread: Thread<I, R>, err: unknown): void {
    const job = thread.job;
    thread.job = null;
    if (!job) return;
    this.hooks.ended?.(job.input);
    job.reject(err);
  }
}
