/**
 * Per-user throttle (800-63B §5.2.2, RFC 4226 §7.3): a few free attempts,
 * then doubling delays, then a lock that releases itself. Pure: the caller
 * reads the state, asks for a decision, verifies, records the outcome and
 * persists it — with the clock passed in.
 */
export interface ThrottleSettings {
  /** Consecutive failures with no delay. */
  freeAttempts: number;
  /** Consecutive failures that lock the user (≤ 100 per 800-63B). */
  lockAfter: number;
  /** How long a lock lasts before it releases itself. */
  lockSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({ freeAttempts: 3, lockAfter: 10, lockSeconds: 1800 });

export interface ThrottleState {
  failures: number;
  /** ms since the epoch */
  lastFailureAt: number | null;
  /** ms since the epoch */
  lockedUntil: number | null;
}

export type ThrottleDecision =
  | { decision: 'allow' }
  | { decision: 'throttled'; retryAfterSeconds: number; until: number }
  | { decision: 'locked'; retryAfterSeconds: number; until: number };

export const CLEAR_THROTTLE: ThrottleState = Object.freeze({ failures: 0, lastFailureAt: null, lockedUntil: null });

/** An expired lock counts as if it never happened: the user starts again from 0. */
export function effectiveThrottleState(state: ThrottleState, nowMs: number): ThrottleState {
  if (state.lockedUntil !== null && state.lockedUntil <= nowMs) return { ...CLEAR_THROTTLE };
  return state;
}

/** Delay owed after n consecutive failures, in seconds (0 while within the free attempts). */
export function throttleDelaySeconds(failures: number, settings: ThrottleSettings = DEFAULT_THROTTLE): number {
  return failures > settings.freeAttempts ? 2 ** (failures - settings.freeAttempts) : 0;
}

export function evaluateThrottle(state: ThrottleState, nowMs: number, settings: ThrottleSettings = DEFAULT_THROTTLE): ThrottleDecision {
  const s = effectiveThrottleState(state, nowMs);
  const lockEnd = lockedUntilNow(s, nowMs);
  if (lockEnd !== null) return { decision: 'locked', until: lockEnd, retryAfterSeconds: retryAfter(lockEnd, nowMs) };
  const delay = throttleDelaySeconds(s.failures, settings);
  if (delay > 0 && s.lastFailureAt !== null) {
    const until = s.lastFailureAt + delay * 1000;
    if (nowMs < until) return { decision: 'throttled', until, retryAfterSeconds: retryAfter(until, nowMs) };
  }
  return { decision: 'allow' };
}

export function recordFailure(state: ThrottleState, nowMs: number, settings: ThrottleSettings = DEFAULT_THROTTLE): ThrottleState {
  const s = effectiveThrottleState(state, nowMs);
  const failures = s.failures + 1;
  // A failure recorded during a lock must not extend it: the lock is a fixed sentence.
  const lockedUntil = lockedUntilNow(s, nowMs) ?? (failures >= settings.lockAfter ? nowMs + settings.lockSeconds * 1000 : null);
  return { failures, lastFailureAt: nowMs, lockedUntil };
}

export function recordSuccess(): ThrottleState {
  return { ...CLEAR_THROTTLE };
}

/** True when this failure is the one that locked the user: the moment to tell the operator. */
export function justLocked(before: ThrottleState, after: ThrottleState, nowMs: number): boolean {
  return lockedUntilNow(before, nowMs) === null && lockedUntilNow(after, nowMs) !== null;
}

/** When the lock in force at `nowMs` ends; null when there is none (never locked, or the lock has run out). */
function lockedUntilNow(state: ThrottleState, nowMs: number): number | null {
  return state.lockedUntil !== null && state.lockedUntil > nowMs ? state.lockedUntil : null;
}

function retryAfter(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}
