import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import type { ConsoleJobRow, JobRecords } from '../../services/jobRecords';

/** Where a job another node runs keeps its result, and what to tell the operator about it. */
export interface JobElsewhere {
  node: string;
  url: string | null;
  /** In words: which node, and where to collect the result. */
  message: string;
}

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
  /** Set when another node runs the job (several nodes on PostgreSQL): its result is there, not here. */
  elsewhere: JobElsewhere | null;
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
/** Progress reaches the job's row at most this often: other nodes' polls see it this fresh. */
const PROGRESS_WRITE_MS = 1000;

export interface JobContext {
  signal: AbortSignal;
  progress(done: number, total?: number, message?: string): void;
}

/** The 409 a node gives for a result another node holds, in words. */
export function elsewhereMessage(kind: string, node: string, url: string | null): string {
  const where = url ? ` (${url})` : '';
  if (kind === 'sheets.batch') return `This batch was made on node ${node}; download it from that node's console${where}`;
  if (kind === 'users.import.preview') return `This file was checked on node ${node}; start the import from that node's console${where}`;
  return `This job ran on node ${node}; its result is in that node's console${where}`;
}

function statusFromRow(row: ConsoleJobRow, here: string): JobStatus {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    done: row.done,
    total: row.total,
    message: row.message,
    result: null,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    elsewhere: row.node === here ? null : { node: row.node, url: row.node_url, message: elsewhereMessage(row.kind, row.node, row.node_url) },
  };
}

/**
 * Long-running console work with progress and cancel. Jobs belong to the
 * operator who started them: nobody else can see, collect or cancel them.
 * The work and its result live in this node's memory: a restart ends them
 * (the work each does is transactional).
 *
 * With `records` (every server: the job's row in the database), a node that
 * does not run a job still answers for it from its row — state, progress and
 * the node holding the result — and a cancel asked of it is left in the row,
 * which the running node reads at its next progress tick.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Job<unknown>>();
  /** Shut down: jobs ending after this leave their rows as closeAll wrote them (the store is closing). */
  private closed = false;

  constructor(private readonly records: JobRecords | null = null) {}

  /** The node now listens (its name may have just been settled): jobs its previous run left in the database are over. */
  nodeReady(): void {
    this.record(() => this.records?.abandonOwn());
  }

  start<R>(kind: string, ownerId: string, total: number, work: (ctx: JobContext) => Promise<R>, cleanup?: () => void): JobStatus<R> {
    this.sweep();
    const running = [...this.jobs.values()].filter((j) => j.ownerId === ownerId && j.status.state === 'running').length;
    if (running >= MAX_RUNNING_PER_OPERATOR) throw new TesseraError('conflict', 'You already have several jobs running; wait for one to finish or cancel it');
    const startedAt = Date.now();
    const status: JobStatus<R> = {
      id: randomUUID(),
      kind,
      state: 'running',
      done: 0,
      total,
      message: null,
      result: null,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: null,
      elsewhere: null,
    };
    // Recorded before it runs: a poll on another node finds it from the first moment.
    this.records?.start({ id: status.id, kind, ownerId, total, startedAt }, KEEP_MS);
    const job: Job<R> = { status, ownerId, controller: new AbortController(), ...(cleanup ? { cleanup } : {}) };
    this.jobs.set(status.id, job as Job<unknown>);
    const records = this.records;
    let lastWrite = startedAt;
    let seenVersion = records ? this.record(() => records.othersVersion()) : undefined;
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress: (done, newTotal, message) => {
        status.done = done;
        if (newTotal !== undefined) status.total = newTotal;
        if (message !== undefined) status.message = message;
        if (!records || job.controller.signal.aborted) return;
        // A cancel asked of another node is a commit by that node: only then is the row read.
        const version = this.record(() => records.othersVersion());
        if (version !== seenVersion) {
          seenVersion = version;
          if (this.record(() => records.cancelRequested(status.id))) {
            job.controller.abort(new TesseraError('conflict', 'Cancelled'));
            return;
          }
        }
        const now = Date.now();
        if (now - lastWrite >= PROGRESS_WRITE_MS) {
          lastWrite = now;
          this.record(() => records.progress(status.id, status.done, status.total, status.message));
        }
      },
    };
    const finish = () => {
      const at = Date.now();
      status.finishedAt = new Date(at).toISOString();
      const state = status.state;
      if (state !== 'running' && !this.closed) this.record(() => records?.finish(status.id, state, status.done, status.total, status.message, at));
    };
    void work(ctx).then(
      (result) => {
        status.result = result;
        status.state = job.controller.signal.aborted ? 'cancelled' : 'done';
        finish();
      },
      (err: unknown) => {
        status.state = job.controller.signal.aborted ? 'cancelled' : 'failed';
        status.message =
          err instanceof TesseraError ? err.message : status.state === 'cancelled' ? 'Cancelled' : 'The job failed; the details are in the server log';
        finish();
        if (!(err instanceof TesseraError) && !job.controller.signal.aborted) console.error(`job ${kind} failed`, err);
      },
    );
    return status;
  }

  /** The job's status: this node's own, else (another node runs it) from its row. */
  get<R>(id: string, ownerId: string): JobStatus<R> {
    const job = this.jobs.get(id);
    if (job) {
      if (job.ownerId !== ownerId) throw notFound();
      return job.status as JobStatus<R>;
    }
    const row = this.records?.find(id);
    if (!row || row.owner_id !== ownerId) throw notFound();
    return statusFromRow(row, this.records!.node.name) as JobStatus<R>;
  }

  /** The operator's running job of this kind, if any: for work one operator runs one at a time. */
  running(kind: string, ownerId: string): JobStatus | undefined {
    for (const job of this.jobs.values()) {
      if (job.ownerId === ownerId && job.status.kind === kind && job.status.state === 'running') return job.status;
    }
    return undefined;
  }

  /** Stops the job: here at once; on another node at its next progress tick (the status says running until then). */
  cancel(id: string, ownerId: string): JobStatus {
    const job = this.jobs.get(id);
    if (job) {
      if (job.ownerId !== ownerId) throw notFound();
      if (job.status.state === 'running') job.controller.abort(new TesseraError('conflict', 'Cancelled'));
      return job.status;
    }
    const records = this.records;
    const row = records?.find(id);
    if (!records || !row || row.owner_id !== ownerId) throw notFound();
    if (row.state === 'running') records.requestCancel(id);
    return statusFromRow(records.find(id) ?? row, records.node.name);
  }

  /** Drops one job now, whatever its state (a running one is cancelled): for a result that must not stay in memory. */
  discard(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    if (job.status.state === 'running') job.controller.abort(new TesseraError('conflict', 'Cancelled'));
    job.cleanup?.();
    this.jobs.delete(id);
    this.record(() => this.records?.delete(id));
  }

  /** Drops finished jobs older than KEEP_MS (their rows go when the next job starts). */
  sweep(now = Date.now()): void {
    for (const [id, job] of this.jobs) {
      if (job.status.finishedAt && now - Date.parse(job.status.finishedAt) > KEEP_MS) {
        job.cleanup?.();
        this.jobs.delete(id);
      }
    }
  }

  /** Cancels everything (server shutdown); their rows say so while the store is still open. */
  closeAll(): void {
    this.closed = true;
    const at = Date.now();
    for (const job of this.jobs.values()) {
      if (job.status.state === 'running') {
        job.controller.abort(new TesseraError('conflict', 'Tessera is shutting down'));
        const { id, done, total } = job.status;
        this.record(() => this.records?.finish(id, 'cancelled', done, total, 'Tessera shut down before this job finished', at));
      }
      job.cleanup?.();
    }
    this.jobs.clear();
  }

  /**
   * A write or read of a job's row. The row only informs other nodes: when it
   * fails (the store closing under a job that ends after shutdown, a lock
   * timeout) the job itself goes on, and the failure is logged.
   */
  private record<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      console.error('[tessera] a console job row could not be updated:', err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }
}

function notFound(): TesseraError {
  return new TesseraError('not_found', 'No such job (it may have finished long ago)');
}
