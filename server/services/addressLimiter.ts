import { isIPv6 } from 'node:net';

/**
 * Console password attempts per client address, checked before the name is
 * even looked up (and so before any hash): a token bucket holding a small
 * burst that refills at a steady rate. A person who mistypes a few times is
 * never held up; a script from one address gets a slow trickle of hashes.
 * The per-name throttle still counts every failure; this bounds the work
 * one address can make the server do across many names.
 */

/** Attempts one address may make at once: a few typos by a few colleagues behind one NAT address. */
export const LOGIN_ADDRESS_BURST = 10;
/** Then one more every 3 s (20 a minute): far above any person, far below one core's worth of hashing. */
export const LOGIN_ADDRESS_REFILL_MS = 3_000;
/**
 * Addresses tracked at once. Past this the full buckets go first (forgetting
 * them changes nothing), then the oldest: only an attacker holding more than
 * this many addresses gains, and the global hash lane bounds them anyway.
 */
export const LOGIN_ADDRESSES_TRACKED = 10_000;

interface Bucket {
  tokens: number;
  at: number;
  /** Set when this address first ran dry, cleared once it may try again: one audit entry per episode. */
  dry: boolean;
}

export type AddressDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

export class AddressLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly burst = LOGIN_ADDRESS_BURST,
    private readonly refillMs = LOGIN_ADDRESS_REFILL_MS,
    private readonly maxTracked = LOGIN_ADDRESSES_TRACKED,
  ) {}

  /** Takes one attempt for `ip` at `now` (ms), or says when the next one is free. */
  take(ip: string | null, now: number): AddressDecision {
    const key = addressKey(ip);
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.dry = false;
      return { allowed: true };
    }
    const firstRefusal = !bucket.dry;
    bucket.dry = true;
    const retryAfterSeconds = Math.max(1, Math.ceil(((1 - bucket.tokens) * this.refillMs) / 1000));
    return { allowed: false, retryAfterSeconds, firstRefusal };
  }

  private refilled(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.makeRoom(now);
      bucket = { tokens: this.burst, at: now, dry: false };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // A clock that moved back (tests, NTP) refills nothing rather than going negative.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed / this.refillMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  private makeRoom(now: number): void {
    if (this.buckets.size < this.maxTracked) return;
    for (const [key, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) / this.refillMs >= this.burst) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxTracked) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * The bucket an address spends from. IPv4 (also written IPv4-mapped, ::ffff:a.b.c.d)
 * by address; IPv6 by its /64, the block one subscriber gets. No address
 * (an in-process caller) shares one bucket.
 */
export function addressKey(ip: string | null): string {
  if (ip === null || ip === '') return 'none';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const bare = ip.split('%')[0]!; // zone id
  const [head, tail] = bare.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) only ever lands in the low 64 bits.
  const fill = tail === undefined ? [] : Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...fill, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
