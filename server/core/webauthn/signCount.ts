/**
 * The signature counter rule (WebAuthn §6.1.1, §13.5.3 "cloned authenticator
 * detection"): when either the stored or the received counter is non-zero,
 * the received one must be greater. Anything else is a clone signal.
 * Authenticators without a counter always send 0: 0 after 0 is fine.
 */
export type SignCountDecision = { ok: true; next: number; changed: boolean } | { ok: false; reason: 'counter_regression'; stored: number; received: number };

export function evaluateSignCount(stored: number, received: number): SignCountDecision {
  if (!Number.isSafeInteger(stored) || stored < 0 || !Number.isSafeInteger(received) || received < 0) {
    throw new RangeError('Signature counters are non-negative integers');
  }
  if (stored === 0 && received === 0) return { ok: true, next: 0, changed: false };
  if (received > stored) return { ok: true, next: received, changed: true };
  return { ok: false, reason: 'counter_regression', stored, received };
}
