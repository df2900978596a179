import { channel } from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import type { ScryptCost, ScryptDerive } from '../core/crypto/scryptHash';
import { WorkerPool, type PoolPriority } from './workerPool';

/** One scrypt derivation, as sent to a hashing thread. */
export interface ScryptJob {
  secret: string;
  salt: Uint8Array;
  cost: ScryptCost;
}

/**
 * Hashing threads: one core fewer than the machine has (at least one), so
 * password and recovery-code hashes together never take every core, and
 * each runs at WORKER_NICE, so the event loop (verifies) gets the CPU
 * first. On libuv's pool they ran at the event loop's own priority.
 */
export const SCRYPT_THREADS = Math.max(1, availableParallelism() - 1);

/** Published when a hashing thread starts and ends a derivation: { phase: 'start' | 'end', log2N } (server/testing/scryptWatch counts them). */
export const SCRYPT_CHANNEL = 'tessera:scrypt';
const published = channel(SCRYPT_CHANNEL);

const pool = new WorkerPool<ScryptJob, Uint8Array>('scrypt', SCRYPT_THREADS, undefined, {
  started: (job) => published.hasSubscribers && published.publish({ phase: 'start', log2N: job.cost.log2N }),
  ended: (job) => published.hasSubscribers && published.publish({ phase: 'end', log2N: job.cost.log2N }),
});

/** A deriver (see core's ScryptDerive) that runs in the hashing threads; `priority` orders it among waiting hashes. */
export function scryptInWorker(priority: PoolPriority = 'normal'): ScryptDerive {
  return (secret, salt, cost) => pool.run({ secret, salt, cost }, priority);
}

/** For tests and shutdown. */
export const scryptPool = {
  stats: () => pool.stats(),
  close: () => pool.close(),
};
