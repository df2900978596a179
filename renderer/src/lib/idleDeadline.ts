/**
 * When the console session ends, from what the server said (auth.session / auth.staySignedIn: remaining
 * times, so the two clocks need not agree) and the newest request since (lib/sessionActivity.ts).
 */
export interface SessionTimes {
  idleTimeoutMs: number;
  idleRemainingMs: number;
  absoluteRemainingMs: number;
  /** How far the server's last-seen time may lag behind a request (it writes it coarsely). */
  touchEveryMs: number;
}

/** The warning comes this long before the end: two minutes, or a third of a (test-length) idle timeout. */
export function warnBeforeMs(idleTimeoutMs: number): number {
  return Math.min(120_000, Math.floor(idleTimeoutMs / 3));
}

export interface SessionDeadline {
  /** Epoch ms (this browser's clock). */
  at: number;
  /** idle: a request moves it; absolute: 12 hours after sign-in, nothing moves it. */
  kind: 'idle' | 'absolute';
}

/**
 * The session's end: the server's answer at `answeredAt`, moved on by any later request (counted from the
 * earliest time the server may have recorded it, so the console never thinks it has longer than it has).
 */
export function sessionDeadline(times: SessionTimes, answeredAt: number, lastContact: number): SessionDeadline {
  const absolute = answeredAt + times.absoluteRemainingMs;
  const idle = Math.max(answeredAt + times.idleRemainingMs, lastContact + times.idleTimeoutMs - times.touchEveryMs);
  return idle < absolute ? { at: idle, kind: 'idle' } : { at: absolute, kind: 'absolute' };
}

/** "1:59": minutes and seconds left, never below 0:00. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
