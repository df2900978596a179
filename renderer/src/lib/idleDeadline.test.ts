import { describe, expect, it } from 'vitest';
import { formatCountdown, sessionDeadline, warnBeforeMs } from './idleDeadline';

const MIN = 60_000;
const times = { idleTimeoutMs: 30 * MIN, idleRemainingMs: 30 * MIN, absoluteRemainingMs: 12 * 60 * MIN, touchEveryMs: 30_000 };

describe('the idle warning’s arithmetic', () => {
  it('warns two minutes before a 30-minute timeout, a third before a short one', () => {
    expect(warnBeforeMs(30 * MIN)).toBe(2 * MIN);
    expect(warnBeforeMs(24_000)).toBe(8_000);
  });

  it('the end moves with each later request, counted from the earliest time the server may have recorded it', () => {
    expect(sessionDeadline(times, 1_000_000, 1_000_000)).toEqual({ at: 1_000_000 + 30 * MIN, kind: 'idle' });
    // A request 10 minutes on: the server may have kept a last-seen up to 30 s older.
    expect(sessionDeadline(times, 1_000_000, 1_000_000 + 10 * MIN)).toEqual({ at: 1_000_000 + 40 * MIN - 30_000, kind: 'idle' });
  });

  it('near the 12-hour limit, the absolute end comes first and requests do not move it', () => {
    const late = { ...times, absoluteRemainingMs: 5 * MIN, idleRemainingMs: 5 * MIN };
    expect(sessionDeadline(late, 0, 4 * MIN)).toEqual({ at: 5 * MIN, kind: 'absolute' });
  });

  it('counts down as m:ss and stops at 0:00', () => {
    expect(formatCountdown(119_999)).toBe('1:59');
    expect(formatCountdown(120_000)).toBe('2:00');
    expect(formatCountdown(5_400)).toBe('0:05');
    expect(formatCountdown(-3_000)).toBe('0:00');
  });
});
