import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_THROTTLE, effectiveThrottleState, evaluateThrottle, justLocked, recordFailure, recordSuccess, type ThrottleState } from './throttle';

const T0 = 1_700_000_000_000;

describe('throttle', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_THROTTLE).toEqual({ freeAttempts: 3, lockAfter: 10, lockSeconds: 1800 });
  });

  it('allows three free failures, then waits 2, 4, 8 … s, then locks at 10 for 1800 s', () => {
    let now = T0;
    let s: ThrottleState = recordSuccess();
    const waits: number[] = [];
    for (let n = 1; n <= 10; n++) {
      expect(evaluateThrottle(s, now, DEFAULT_THROTTLE)).toEqual({ decision: 'allow' });
      const before = s;
      s = recordFailure(s, now, DEFAULT_THROTTLE);
      expect(s.failures).toBe(n);
      expect(s.lastFailureAt).toBe(now);
      expect(justLocked(before, s, now)).toBe(n === 10);
      const d = evaluateThrottle(s, now, DEFAULT_THROTTLE);
      if (n <= 3) {
        expect(d).toEqual({ decision: 'allow' });
        now += 1; // an immediate retry is fine
      } else if (n < 10) {
        expect(d.decision).toBe('throttled');
        if (d.decision !== 'throttled') return;
        waits.push(d.retryAfterSeconds);
        expect(d.until).toBe(now + d.retryAfterSeconds * 1000);
        // Still throttled one millisecond before, allowed exactly at `until`.
        expect(evaluateThrottle(s, d.until - 1, DEFAULT_THROTTLE)).toMatchObject({ decision: 'throttled', retryAfterSeconds: 1 });
        now = d.until;
      } else {
        expect(d).toEqual({ decision: 'locked', until: now + 1_800_000, retryAfterSeconds: 1800 });
      }
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64]);
  });

  it('rounds retryAfter up and never reports 0', () => {
    const s: ThrottleState = { failures: 4, lastFailureAt: T0, lockedUntil: null };
    expect(evaluateThrottle(s, T0 + 1, DEFAULT_THROTTLE)).toEqual({ decision: 'throttled', until: T0 + 2000, retryAfterSeconds: 2 });
    expect(evaluateThrottle(s, T0 + 1001, DEFAULT_THROTTLE)).toEqual({ decision: 'throttled', until: T0 + 2000, retryAfterSeconds: 1 });
    expect(evaluateThrottle(s, T0 + 1999, DEFAULT_THROTTLE)).toEqual({ decision: 'throttled', until: T0 + 2000, retryAfterSeconds: 1 });
    expect(evaluateThrottle(s, T0 + 2000, DEFAULT_THROTTLE)).toEqual({ decision: 'allow' });
  });

  it('a lock releases itself after 30 min and counting starts again from 0', () => {
    const locked: ThrottleState = { failures: 10, lastFailureAt: T0, lockedUntil: T0 + 1_800_000 };
    expect(evaluateThrottle(locked, T0 + 1_799_001, DEFAULT_THROTTLE)).toEqual({ decision: 'locked', until: T0 + 1_800_000, retryAfterSeconds: 1 });
    const later = T0 + 1_800_000;
    expect(evaluateThrottle(locked, later, DEFAULT_THROTTLE)).toEqual({ decision: 'allow' });
    expect(effectiveThrottleState(locked, later)).toEqual({ failures: 0, lastFailureAt: null, lockedUntil: null });
    const after = recordFailure(locked, later, DEFAULT_THROTTLE);
    expect(after).toEqual({ failures: 1, lastFailureAt: later, lockedUntil: null });
    expect(evaluateThrottle(after, later, DEFAULT_THROTTLE)).toEqual({ decision: 'allow' });
  });

  it('a failure recorded during a lock does not extend it', () => {
    const locked: ThrottleState = { failures: 10, lastFailureAt: T0, lockedUntil: T0 + 1_800_000 };
    const again = recordFailure(locked, T0 + 60_000, DEFAULT_THROTTLE);
    expect(again.lockedUntil).toBe(T0 + 1_800_000);
    expect(justLocked(locked, again, T0 + 60_000)).toBe(false);
  });

  it('success clears everything', () => {
    let s: ThrottleState = recordSuccess();
    for (let i = 0; i < 6; i++) s = recordFailure(s, T0 + i * 100_000, DEFAULT_THROTTLE);
    expect(evaluateThrottle(s, T0 + 500_001, DEFAULT_THROTTLE).decision).toBe('throttled');
    s = recordSuccess();
    expect(s).toEqual({ failures: 0, lastFailureAt: null, lockedUntil: null });
    expect(evaluateThrottle(s, T0, DEFAULT_THROTTLE)).toEqual({ decision: 'allow' });
  });

  it('honours other settings', () => {
    const settings = { freeAttempts: 0, lockAfter: 3, lockSeconds: 60 };
    const s1 = recordFailure(recordSuccess(), T0, settings);
    expect(evaluateThrottle(s1, T0, settings)).toMatchObject({ decision: 'throttled', retryAfterSeconds: 2 });
    const s3 = recordFailure(recordFailure(s1, T0 + 2000, settings), T0 + 6000, settings);
    expect(evaluateThrottle(s3, T0 + 6000, settings)).toEqual({ decision: 'locked', until: T0 + 66_000, retryAfterSeconds: 60 });
  });

  it('property: the failure count never exceeds lockAfter while a user only retries when allowed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_000_000 }), { maxLength: 40 }), (gaps) => {
        let now = T0;
        let s = recordSuccess();
        for (const gap of gaps) {
          now += gap;
          const d = evaluateThrottle(s, now, DEFAULT_THROTTLE);
          if (d.decision !== 'allow') {
            expect(d.until).toBeGreaterThan(now);
            expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
            continue;
          }
          s = recordFailure(s, now, DEFAULT_THROTTLE);
          expect(s.failures).toBeLessThanOrEqual(DEFAULT_THROTTLE.lockAfter);
        }
      }),
    );
  });
});
