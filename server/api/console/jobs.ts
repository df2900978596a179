import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';

/** What the console polls while a long job (import, batch sheets, export) runs. */
export interface JobStatus<R = unknown> {
  id: string;
  kind: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string | null;
  result: R | null;
  startedAt: string;
  finishedAt: string | null;
}

interface Job<R> {
  status: JobStatus<R>;
  ownerId: string;
  controller: AbortController;
  /** Called when the job is dropped (cancelled, expired): delete temp files and the like. */
  cleanup?: () => void;
}

/** Finished jobs are kept this long for the console to collect their result. */
const KEEP_MS = 30 * 60_000;
/** Jobs one operator may run at once: long work is not a resource sink. */
const MAX_RUNNING_PER_OPERATOR = 3;

export interface JobContext {
  signal: AbortSignal;
  progress(done: number, total?: number, message?: string): void;
}

/**
 * Long-running console work with progress and cancel. Jobs belong to the
 * operator who started them: nobody else can see, collect or cancel them.
 * In memory: a restart ends them (the work each does is transactional).
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Job<unknown>>();

  start<R>(kind: string, ownerId: string, total: number, work: (ctx: JobContext) => Promise<R>, cleanup?: () => void): JobStatus<R> {
    this.sweep();
    const running = [...this.jobs.values()].filter((j) => j.ownerId === ownerId && j.status.state === 'running').length;
    if (running >= MAX_RUNNING_PER_OPERATOR) throw new TesseraError('conflict', 'You already have several jobs running; wait for one to finish or cancel it');
    const status: JobStatus<R> = {
      id: randomUUID(),
      kind,
      state: 'running',
      done: 0,
      total,
      message: null,
      result: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    const job: Job<R> = { status, ownerId, controller: new AbortController(), ...(cleanup ? { cleanup } : {}) };
    this.jobs.set(status.id, job as Job<unknown>);
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress(done, newTotal, message) {
        status.done = done;
        if (newTotal !== undefined) status.total = newTotal;
        if (message !== undefined) status.message = message;
      },
    };
    void work(ctx).then(
      (result) => {
        status.result = result;
        status.state = job.controller.signal.aborted ? 'cancelled' : 'done';
        status.finishedAt = new Date().toISOString();
      },
      (err: unknown) => {
        status.state = job.controller.signal.aborted ? 'cancelled' : 'failed';
        status.message =
          err instanceof TesseraError ? err.message : status.state === 'cancelled' ? 'Cancelled' : 'The job failed; the details are in the server log';
        status.finishedAt = new Date().toISOString();
        if (!(err instanceof TesseraError) && !job.controller.signal.aborted) console.error(`job ${kind} failed`, err);
      },
    );
    return status;
  }

  get<R>(id: string, ownerId: string): JobStatus<R> {
    const job = this.jobs.get(id);
    if (!job || job.ownerId !== ownerId) throw new TesseraError('not_found', 'No such job (it may have finished long ago)');
    return job.status as JobStatus<R>;
  }

  /** The operator's running job of this kind, if any: for work one operator runs one at a time. */
  running(kind: string, ownerId: string): JobStatus | undefined {
    for (const job of this.jobs.values()) {
      if (job.ownerId === ownerId && job.status.kind === kind && job.status.state === 'running') return job.status;
    }
    return undefined;
  }

  cancel(id: string, ownerId: string): JobStatus {
    const job = this.jobs.get(id);
    if (!job || job.ownerId !== ownerId) throw new TesseraError('not_found', 'No such job (it may have finished long ago)');
    if (job.status.state === 'running') job.controller.abort(new TesseraError('conflict', 'Cancelled'));
    return job.status;
  }

  /** Drops one job now, whatever its state (a running one is cancelled): for a result that must not stay in memory. */
  discard(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    if (job.status.state === 'running') job.controller.abort(new TesseraError('conflict', 'Cancelled'));
    job.cleanup?.();
    this.jobs.delete(id);
  }

  /** Drops finished jobs older than KEEP_MS. */
  sweep(now = Date.now()): void {
    for (const [id, job] of this.jobs) {
      if (job.status.finishedAt && now - Date.parse(job.status.finishedAt) > KEEP_MS) {
        job.cleanup?.();
        this.jobs.delete(id);
      }
    }
  }

  /** Cancels everything (server shutdown). */
  closeAll(): void {
    for (const job of this.jobs.values()) {
      if (job.status.state === 'running') job.controller.abort(new TesseraError('conflict', 'Tessera is shutting down'));
      job.cleanup?.();
    }
    this.jobs.clear();
  }
}
