/**
 * Counts scrypt work without timing it: a test replaces node:crypto's scrypt
 * with a counting wrapper, so it can say how many hashes ran and how many ran
 * at once, for passwords (N = 2^17) and recovery codes (N = 2^15) apart.
 * It watches the real thing, not Tessera's own bookkeeping, so the same test
 * also measures code that has no limiter at all.
 *
 *   vi.mock('node:crypto', async (real) => (await import('../testing/scryptWatch')).watchedCrypto(await real()));
 *
 * (This module must not import node:crypto itself.) The server's hashing
 * threads (server/runtime/scryptPool.ts) run scrypt outside this mock; they
 * announce each derivation on a diagnostics channel, counted here the same way.
 */
import { subscribe } from 'node:diagnostics_channel';

export interface ScryptCounts {
  /** Hashes started. */
  started: number;
  /** Hashes started and not yet finished. */
  running: number;
  /** Most running at once since the last reset(). */
  peak: number;
}

const PASSWORD_N = 2 ** 17;
const RECOVERY_N = 2 ** 15;

const fresh = (): ScryptCounts => ({ started: 0, running: 0, peak: 0 });

export const scryptWatch = {
  password: fresh(),
  recovery: fresh(),
  /** Zeroes the counts of finished work (running hashes stay counted as running). */
  reset(): void {
    for (const c of [this.password, this.recovery]) {
      c.started = 0;
      c.peak = c.running;
    }
  },
};

/** server/runtime/scryptPool.ts's SCRYPT_CHANNEL (not imported: that module imports node:crypto). */
subscribe('tessera:scrypt', (message) => {
  const { phase, log2N } = message as { phase: 'start' | 'end'; log2N: number };
  const counts = 2 ** log2N === PASSWORD_N ? scryptWatch.password : 2 ** log2N === RECOVERY_N ? scryptWatch.recovery : null;
  if (!counts) return;
  if (phase === 'start') {
    counts.started += 1;
    counts.running += 1;
    counts.peak = Math.max(counts.peak, counts.running);
  } else {
    counts.running -= 1;
  }
});

type ScryptCallback = (err: Error | null, key: Buffer) => void;
type ScryptFn = (password: unknown, salt: unknown, keylen: number, options: unknown, callback?: ScryptCallback) => void;

export function watchedCrypto<T extends { scrypt: unknown; default?: unknown }>(real: T): T {
  const original = real.scrypt as ScryptFn;
  const scrypt: ScryptFn = (password, salt, keylen, options, callback) => {
    const cb = (typeof options === 'function' ? options : callback) as ScryptCallback;
    const opts = typeof options === 'function' ? undefined : (options as { N?: number } | undefined);
    const counts = opts?.N === PASSWORD_N ? scryptWatch.password : opts?.N === RECOVERY_N ? scryptWatch.recovery : null;
    if (counts) {
      counts.started += 1;
      counts.running += 1;
      counts.peak = Math.max(counts.peak, counts.running);
    }
    original(password, salt, keylen, opts ?? {}, (err, key) => {
      if (counts) counts.running -= 1;
      cb(err, key);
    });
  };
  const base = (real.default ?? real) as Record<string, unknown>;
  return { ...real, scrypt, default: { ...base, scrypt } };
}
