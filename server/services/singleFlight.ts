/**
 * One check in flight per key (a username, a user): the next attempt for
 * the same key waits until the one before has been checked and its outcome
 * written, then reads the throttle state afresh. So N concurrent attempts
 * are N sequential ones and the throttle sees every failure before it
 * decides on the next. The wait is bounded: beyond `maxWaiting` queued
 * attempts per key, acquire() answers null at once and the caller refuses.
 */
export class SingleFlight {
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(private readonly maxWaiting: number) {}

  /** Resolves with a release function once `key` is ours, or with null when too many already wait for it. */
  async acquire(key: string): Promise<(() => void) | null> {
    const queue = this.waiters.get(key);
    if (queue === undefined) {
      this.waiters.set(key, []);
    } else {
      if (queue.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(key);
    };
  }

  /** Keys with an attempt in flight (tests and diagnostics). */
  get size(): number {
    return this.waiters.size;
  }

  private release(key: string): void {
    const queue = this.waiters.get(key);
    const next = queue?.shift();
    if (next) next();
    else this.waiters.delete(key);
  }
}
