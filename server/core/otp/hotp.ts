import { TesseraError } from '../../../shared/errors';
import { codesEqual, hotpAt, isCodeShape, requireNonNegativeInteger } from './otplibAdapter';
import type { OtpParams } from './types';

export type HotpVerifyResult = { ok: true; matchedCounter: number; nextCounter: number } | { ok: false };
export type HotpResyncResult = { ok: true; nextCounter: number } | { ok: false };

/** RFC 4226 §7.4 suggests a small look-ahead; 10 is ours. */
export const HOTP_DEFAULT_LOOK_AHEAD = 10;
export const HOTP_DEFAULT_RESYNC_WINDOW = 1000;
// Bounds on configuration, so a typo cannot turn one request into a million HMACs.
const MAX_LOOK_AHEAD = 100;
const MAX_RESYNC_WINDOW = 100_000;

export function generateHotp(p: OtpParams, counter: number): string {
  requireNonNegativeInteger(counter, 'The HOTP counter');
  return hotpAt(p, counter);
}

/**
 * Looks at counter … counter+lookAhead only: a code from the past is never
 * accepted, so the counter can only move forward. The caller stores
 * nextCounter (compare-and-set on the old counter) only when ok.
 */
export function verifyHotp(p: OtpParams, code: string, opts: { counter: number; lookAhead?: number }): HotpVerifyResult {
  const lookAhead = opts.lookAhead ?? HOTP_DEFAULT_LOOK_AHEAD;
  requireNonNegativeInteger(opts.counter, 'The HOTP counter');
  checkBound(lookAhead, MAX_LOOK_AHEAD, 'The HOTP look-ahead');
  if (!isCodeShape(code, p.digits)) return { ok: false };

  for (let c = opts.counter; c <= opts.counter + lookAhead; c++) {
    if (codesEqual(hotpAt(p, c), code)) return { ok: true, matchedCounter: c, nextCounter: c + 1 };
  }
  return { ok: false };
}

/**
 * Resynchronisation (RFC 4226 §7.4): a wider search, but it needs two
 * consecutive codes, so one lucky guess in the large window is not enough.
 * Finds the first c in [counter, counter+searchWindow] with code1 at c and
 * code2 at c+1; the next expected counter is then c+2.
 */
export function resyncHotp(p: OtpParams, code1: string, code2: string, opts: { counter: number; searchWindow?: number }): HotpResyncResult {
  const searchWindow = opts.searchWindow ?? HOTP_DEFAULT_RESYNC_WINDOW;
  requireNonNegativeInteger(opts.counter, 'The HOTP counter');
  checkBound(searchWindow, MAX_RESYNC_WINDOW, 'The HOTP resync window');
  if (!isCodeShape(code1, p.digits) || !isCodeShape(code2, p.digits)) return { ok: false };

  let current = hotpAt(p, opts.counter);
  for (let c = opts.counter; c <= opts.counter + searchWindow; c++) {
    const next = hotpAt(p, c + 1);
    // Both comparisons always run: no shortcut on the first match.
    const first = codesEqual(current, code1);
    const second = codesEqual(next, code2);
    if (first && second) return { ok: true, nextCounter: c + 2 };
    current = next;
  }
  return { ok: false };
}

function checkBound(value: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new TesseraError('internal', `${what} must be an integer from 0 to ${max}`);
  }
}
