import type { Store } from '../store/index';

/** Most units of work one commit carries; more wait for the next turn of the event loop. */
const MAX_BATCH = 256;

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the hot path. Units of work that arrive in the same turn
 * of the event loop run one after another inside ONE write transaction, each
 * in its own savepoint: a unit's changes and its audit entry still commit
 * together or not at all, and a unit that throws rolls back alone. What the
 * batch shares is the commit: the WAL pages of the audit log's tail, its
 * indexes and the signed head are written once per batch instead of once per
 * request. Units run strictly in order, so the one-use-per-step and counter
 * guards see each other's writes exactly as they would serially. Callers are
 * answered only after the commit.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;

  constructor(private readonly store: Store) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) this.schedule();
    const settled: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.store.tx(() => {
        for (const job of jobs) {
          try {
            settled.push({ ok: true, value: this.store.tx(job.run) });
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of the batch was kept.
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const s = settled[i]!;
      if (s.ok) job.resolve(s.value);
      else job.reject(s.error);
    });
  }
}
