import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { TesseraError } from '../../shared/errors';
import { deriveOnThreadPool, type ScryptDerive } from '../core/crypto/scryptHash';
import { scryptInWorker } from '../runtime/scryptPool';

/**
 * Bounds on concurrent slow hashes, so a flood of sign-ins cannot pile up
 * memory or starve other work. Every slow hash runs through one lane:
 * operator passwords through `passwordLane`, recovery codes through
 * `recoveryLane`. The lanes are process-wide because the cores and the
 * memory they bound are. A lane hands its job the deriver that does the
 * scrypt work: the low-priority hashing threads (runtime/scryptPool.ts),
 * shared by both lanes and never more than one core fewer than the machine's.
 */

/**
 * libuv's pool: 4 threads unless UV_THREADPOOL_SIZE says otherwise. Hashes
 * now run in the hashing threads, but the lanes keep the limits they were
 * given against it: they bound admission and memory, the threads bound CPU.
 */
const THREAD_POOL = Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);

/**
 * Password hashes (128 MiB each): at most 2 at once, and on a small machine
 * one core fewer than it has, so one core and two pool threads always stay
 * for the event loop, verifies and file I/O. A console signs in a few people
 * a minute; this is plenty for them and caps memory at 256 MiB.
 */
export const PASSWORD_HASH_CONCURRENCY = Math.max(1, Math.min(2, availableParallelism() - 1, THREAD_POOL - 2));
/**
 * Password hashes that may wait for a slot: a few seconds of work at most.
 * Beyond that a sign-in is refused with 429 at once instead of holding its
 * request (and later 128 MiB) in a queue that only grows during a flood.
 */
export const PASSWORD_HASH_QUEUE = 8;
/**
 * Recovery-code hashes (32 MiB, a tenth of a password's work) have their own
 * slots, so a login flood cannot delay an application's verify; verifies go
 * before issuing new sets.
 */
export const RECOVERY_HASH_CONCURRENCY = Math.max(1, Math.min(2, THREAD_POOL - PASSWORD_HASH_CONCURRENCY));
/** Recovery hashes waiting: verifies are single-flight per user, so this only fills when an application floods many users. */
export const RECOVERY_HASH_QUEUE = 256;

export type LanePriority = 'high' | 'normal';

export interface LaneStats {
  running: number;
  waiting: number;
  /** Hashes started since the process began (tests count work with it). */
  started: number;
  /** Requests refused because the queue was full. */
  refused: number;
  /** Most hashes ever running at once since the last resetPeak(). */
  peakRunning: number;
}

/** Thrown when a lane's queue is full: a 429 with an estimate of when to come back. */
export class LaneBusyError extends TesseraError {
  constructor(message: string, retryAfterSeconds: number) {
    super('throttled', message, { retryAfterSeconds });
  }
}

export class HashLane {
  private running = 0;
  private peak = 0;
  private started = 0;
  private refused = 0;
  private readonly queues: Record<LanePriority, (() => void)[]> = { high: [], normal: [] };
  /** Running mean of one hash's duration, for Retry-After; starts at a typical 128 MiB scrypt. */
  private meanMs = 400;

  constructor(
    readonly name: string,
    private readonly concurrency: number,
    private readonly queueLimit: number,
    private readonly busyMessage: (retryAfterSeconds: number) => string,
    /** What does the scrypt work of this lane's jobs (libuv's pool unless given). */
    private readonly derive: ScryptDerive = deriveOnThreadPool,
  ) {}

  /**
   * Runs `hash` when a slot is free (high priority first, then in arrival
   * order), passing it the lane's deriver. Throws LaneBusyError at once,
   * before any work, when the queue is full.
   */
  async run<T>(hash: (derive: ScryptDerive) => Promise<T>, priority: LanePriority = 'normal'): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waitingCount() >= this.queueLimit) this.requireRoom(1);
      await new Promise<void>((resolve) => this.queues[priority].push(resolve));
    } else {
      this.running += 1;
    }
    // A slot is ours here (handed over by release(), or taken above).
    this.started += 1;
    this.peak = Math.max(this.peak, this.running);
    const t0 = performance.now();
    try {
      return await hash(this.derive);
    } finally {
      this.meanMs = this.meanMs * 0.8 + (performance.now() - t0) * 0.2;
      this.release();
    }
  }

  /** Throws LaneBusyError unless `n` more hashes could be queued now: for a batch that is all or nothing. */
  requireRoom(n: number): void {
    const free = Math.max(0, this.concurrency - this.running) + this.queueLimit - this.waitingCount();
    if (n <= free) return;
    this.refused += 1;
    const retry = this.retryAfterSeconds();
    throw new LaneBusyError(this.busyMessage(retry), retry);
  }

  stats(): LaneStats {
    return { running: this.running, waiting: this.waitingCount(), started: this.started, refused: this.refused, peakRunning: this.peak };
  }

  resetPeak(): void {
    this.peak = this.running;
  }

  private waitingCount(): number {
    return this.queues.high.length + this.queues.normal.length;
  }

  /** Hands the slot to the next waiter (it keeps `running` as is), or frees it. */
  private release(): void {
    const next = this.queues.high.shift() ?? this.queues.normal.shift();
    if (next) next();
    else this.running -= 1;
  }

  /** Time for everything ahead of a newcomer to drain, rounded up. */
  private retryAfterSeconds(): number {
    const ahead = this.waitingCount() + this.running;
    return Math.max(1, Math.ceil(((ahead / this.concurrency) * this.meanMs) / 1000));
  }
}

const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);

/** Operator passwords: console sign-in, re-authentication, setting a password. */
export const passwordLane = new HashLane(
  'password',
  PASSWORD_HASH_CONCURRENCY,
  PASSWORD_HASH_QUEUE,
  (s) => `The server is busy checking other sign-ins; try again in ${seconds(s)}`,
  scryptInWorker('normal'),
);

/** Recovery codes: verifying one (high priority) and hashing a new set. */
export const recoveryLane = new HashLane(
  'recovery',
  RECOVERY_HASH_CONCURRENCY,
  RECOVERY_HASH_QUEUE,
  (s) => `The server is busy checking other recovery codes; try again in ${seconds(s)}`,
  // Ahead of waiting password hashes: an application's verify should not queue behind a login flood.
  scryptInWorker('high'),
);
