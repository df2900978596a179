import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateSignCount } from './signCount';

describe('evaluateSignCount', () => {
  it('0 after 0: an authenticator without a counter', () => {
    expect(evaluateSignCount(0, 0)).toEqual({ ok: true, next: 0, changed: false });
  });
  it('a growing counter is accepted and stored', () => {
    expect(evaluateSignCount(0, 1)).toEqual({ ok: true, next: 1, changed: true });
    expect(evaluateSignCount(41, 42)).toEqual({ ok: true, next: 42, changed: true });
    expect(evaluateSignCount(5, 500)).toEqual({ ok: true, next: 500, changed: true });
  });
  it('an equal or lower counter is a clone signal when either is non-zero', () => {
    expect(evaluateSignCount(7, 7)).toEqual({ ok: false, reason: 'counter_regression', stored: 7, received: 7 });
    expect(evaluateSignCount(7, 3)).toEqual({ ok: false, reason: 'counter_regression', stored: 7, received: 3 });
    expect(evaluateSignCount(7, 0)).toEqual({ ok: false, reason: 'counter_regression', stored: 7, received: 0 });
  });
  it('refuses nonsense counters', () => {
    expect(() => evaluateSignCount(-1, 2)).toThrow(RangeError);
    expect(() => evaluateSignCount(1, 1.5)).toThrow(RangeError);
  });
  it('accepts exactly when received > stored, or both are 0', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 32), fc.nat(2 ** 32), (stored, received) => {
        const r = evaluateSignCount(stored, received);
        expect(r.ok).toBe(received > stored || (stored === 0 && received === 0));
      }),
    );
  });
});
