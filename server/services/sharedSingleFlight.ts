import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../store/index';
import type { Clock } from './context';
import { SingleFlight } from './singleFlight';

/**
 * How long a lease holds without being given back: bounds a crashed node's
 * hold on a name or user. A check takes well under a second (one scrypt);
 * this is ten.
 */
export const CHECK_LEASE_MS = 10_000;
/** How often a node waiting on another node's lease looks again (a read; the take is tried only when it looks free). */
export const CHECK_LEASE_POLL_MS = 25;
/**
 * How long a node waits for another node's check of the same subject before
 * refusing as the local queue does when full: about what the last of the
 * local queue's waiters may wait (4 checks of under a second each).
 */
export const CHECK_LEASE_WAIT_MS = 4_000;

export interface SharedSingleFlightLimits {
  leaseMs: number;
  pollMs: number;
  waitMs: number;
}

/**
 * SingleFlight across every node on the database: the in-process queue
 * first (attempts on this node wait their turn in memory, and a full queue
 * refuses at once), then a lease row in check_leases, so an attempt for the
 * same key on another node (no sticky sessions behind a load balancer) waits
 * for this one's check to finish too. acquire() answers null when the local
 * queue is full or another node's live lease outlasts `waitMs`; the caller
 * refuses exactly as for a full queue.
 */
export class SharedSingleFlight {
  private readonly local: SingleFlight;
  /** Mutable for tests that must not wait seconds for a refusal. */
  readonly limits: SharedSingleFlightLimits;

  constructor(
    private readonly store: Store,
    private readonly kind: string,
    maxWaiting: number,
    private readonly clock: Clock,
    limits: Partial<SharedSingleFlightLimits> = {},
  ) {
    this.local = new SingleFlight(maxWaiting);
    this.limits = { leaseMs: CHECK_LEASE_MS, pollMs: CHECK_LEASE_POLL_MS, waitMs: CHECK_LEASE_WAIT_MS, ...limits };
  }

  /** Resolves with a release function once `key` is ours on every node, or with null (see the class comment). */
  async acquire(key: string): Promise<(() => void) | null> {
    const releaseLocal = await this.local.acquire(key);
    if (!releaseLocal) return null;
    const holder = randomUUID();
    const leases = this.store.checkLeases;
    const giveUpAt = performance.now() + this.limits.waitMs;
    try {
      for (;;) {
        const now = this.clock();
        const held = leases.find(this.kind, key);
        if ((!held || held.expires_at <= now) && leases.take(this.kind, key, holder, now, now + this.limits.leaseMs)) break;
        if (performance.now() >= giveUpAt) {
          releaseLocal();
          return null;
        }
        await sleep(this.limits.pollMs);
      }
    } catch (err) {
      releaseLocal();
      throw err;
    }
    // A check that waits long in its hash lane (a flood) keeps its lease: renewed at half its life while this node runs.
    // A crashed or frozen node renews nothing, so its hold still ends within one life.
    const renew = setInterval(() => {
      try {
        leases.renew(this.kind, key, holder, this.clock() + this.limits.leaseMs);
      } catch {
        // Unreachable database: the lease may lapse; the check itself goes on (its writes will fail on their own).
      }
    }, this.limits.leaseMs / 2);
    renew.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      try {
        leases.release(this.kind, key, holder);
      } catch {
        // The database is unreachable: the lease runs out by itself (leaseMs); the local turn must pass on regardless.
      } finally {
        releaseLocal();
      }
    };
  }

  /** Keys with an attempt in flight on this node (tests and diagnostics). */
  get size(): number {
    return this.local.size;
  }
}
