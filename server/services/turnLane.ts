import { performance } from 'node:perf_hooks';

/**
 * Synchronous reads that each hold the event loop a few milliseconds (a
 * users search looks at up to 10,000 index rows) take turns with everything
 * else. They run from the check phase of the event loop, at most `budgetMs`
 * of them per turn (always at least one), so the requests a turn has read
 * (verifies, health checks) are answered before the next batch of these.
 * Without it, eight clients searching back to back kept the loop busy, and a
 * verify waited behind a turn or two of searches (npm run bench -- stall).
 * A lone search waits for nothing: it runs in the turn it arrived in.
 */
export class TurnLane {
  private readonly queue: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly budgetMs: number) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        try {
          resolve(work());
        } catch (err) {
          reject(err);
        }
      });
      this.schedule();
    });
  }

  /** Reads waiting for their turn (tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Scheduled from within a check phase, it runs in the next turn's, after that turn's I/O.
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.scheduled = false;
    const end = performance.now() + this.budgetMs;
    do this.queue.shift()?.();
    while (this.queue.length > 0 && performance.now() < end);
    if (this.queue.length > 0) this.schedule();
  }
}

/** Users searches (REST GET /users and the console's list): about one 10,000-row window a turn. */
export const searchLane = new TurnLane(4);
