import { TesseraError } from '../../../shared/errors';

/** Session limits (NIST 800-63B §4.2.3 for AAL2): idle 30 minutes at most, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** The shortest idle timeout TESSERA_SESSION_IDLE_SECONDS may set (the e2e idle-warning spec uses a short one). */
export const MIN_SESSION_IDLE_MS = 10_000;

/**
 * How often a session's last-seen time is written: at most every 30 s (a busy console does not write on
 * every request), and at least ten times per idle period. A session's real idle deadline is therefore up to
 * this much earlier than "last request + idle timeout"; the console's warning counts from that earlier time.
 */
export function sessionTouchEveryMs(idleMs: number): number {
  return Math.min(30_000, Math.floor(idleMs / 10));
}

/**
 * `TESSERA_SESSION_IDLE_SECONDS`: a shorter idle timeout for console sessions (10 to 1800 seconds; unset: 1800).
 * Longer than 30 minutes is refused: that is the AAL2 limit.
 */
export function sessionIdleMsFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.TESSERA_SESSION_IDLE_SECONDS?.trim();
  if (text === undefined || text === '') return SESSION_IDLE_MS;
  const seconds = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds * 1000 >= MIN_SESSION_IDLE_MS && seconds * 1000 <= SESSION_IDLE_MS)) {
    throw new TesseraError(
      'bad_request',
      `TESSERA_SESSION_IDLE_SECONDS must be a whole number of seconds from ${MIN_SESSION_IDLE_MS / 1000} to ${SESSION_IDLE_MS / 1000}, not "${env.TESSERA_SESSION_IDLE_SECONDS}"`,
    );
  }
  return seconds * 1000;
}
