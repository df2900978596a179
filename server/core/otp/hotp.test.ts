import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { generateHotp, resyncHotp, verifyHotp } from './hotp';
import type { OtpParams } from './types';

const P: OtpParams = { secret: new TextEncoder().encode('12345678901234567890'), algorithm: 'SHA1', digits: 6 };
// RFC 4226 Appendix D.
const RFC4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('generateHotp', () => {
  RFC4226.forEach((code, counter) => {
    it(`counter ${counter} → ${code}`, () => expect(generateHotp(P, counter)).toBe(code));
  });

  it('refuses a negative or fractional counter', () => {
    expect(() => generateHotp(P, -1)).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => generateHotp(P, 1.5)).toThrow(expect.objectContaining({ code: 'internal' }));
  });
});

describe('verifyHotp', () => {
  it('accepts the expected code and moves the counter past it', () => {
    expect(verifyHotp(P, '755224', { counter: 0 })).toEqual({ ok: true, matchedCounter: 0, nextCounter: 1 });
    expect(verifyHotp(P, '520489', { counter: 0 })).toEqual({ ok: true, matchedCounter: 9, nextCounter: 10 });
  });

  it('never looks backwards', () => {
    expect(verifyHotp(P, '755224', { counter: 1 })).toEqual({ ok: false });
    expect(verifyHotp(P, '969429', { counter: 4 })).toEqual({ ok: false });
  });

  it('honours the look-ahead bound exactly', () => {
    expect(verifyHotp(P, '338314', { counter: 0, lookAhead: 4 })).toMatchObject({ ok: true, matchedCounter: 4 });
    expect(verifyHotp(P, '254676', { counter: 0, lookAhead: 4 })).toEqual({ ok: false });
    expect(verifyHotp(P, generateHotp(P, 10), { counter: 0 })).toMatchObject({ ok: true, matchedCounter: 10 });
    expect(verifyHotp(P, generateHotp(P, 11), { counter: 0 })).toEqual({ ok: false });
  });

  it('treats malformed input as a failure', () => {
    for (const bad of ['', '75522', '7552244', 'abcdef', '755 224']) expect(verifyHotp(P, bad, { counter: 0 })).toEqual({ ok: false });
  });

  it('property: verifies only within look-ahead, and the counter never moves back', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 32 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: -5, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (secret, counter, offset, lookAhead) => {
          const p: OtpParams = { secret, algorithm: 'SHA1', digits: 8 };
          const at = counter + offset;
          fc.pre(at >= 0);
          const r = verifyHotp(p, generateHotp(p, at), { counter, lookAhead });
          if (offset >= 0 && offset <= lookAhead) {
            expect(r).toEqual({ ok: true, matchedCounter: at, nextCounter: at + 1 });
          } else if (r.ok) {
            // Only an 8-digit collision could match: it must still be ahead of the counter.
            expect(r.matchedCounter).not.toBe(at);
          }
          if (r.ok) {
            expect(r.matchedCounter).toBeGreaterThanOrEqual(counter);
            expect(r.nextCounter).toBeGreaterThan(counter);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('resyncHotp', () => {
  it('finds two consecutive codes far ahead', () => {
    const c = 537;
    expect(resyncHotp(P, generateHotp(P, c), generateHotp(P, c + 1), { counter: 0 })).toEqual({ ok: true, nextCounter: c + 2 });
  });

  it('works from the RFC vectors', () => {
    expect(resyncHotp(P, '162583', '399871', { counter: 2 })).toEqual({ ok: true, nextCounter: 9 });
  });

  it('refuses non-consecutive codes and the wrong order', () => {
    expect(resyncHotp(P, '162583', '520489', { counter: 0 })).toEqual({ ok: false });
    expect(resyncHotp(P, '399871', '162583', { counter: 0 })).toEqual({ ok: false });
  });

  it('never looks behind the counter and stops at the window', () => {
    expect(resyncHotp(P, '755224', '287082', { counter: 1 })).toEqual({ ok: false });
    const c = 40;
    const [a, b] = [generateHotp(P, c), generateHotp(P, c + 1)];
    expect(resyncHotp(P, a, b, { counter: 0, searchWindow: 40 })).toEqual({ ok: true, nextCounter: 42 });
    expect(resyncHotp(P, a, b, { counter: 0, searchWindow: 39 })).toEqual({ ok: false });
  });

  it('treats malformed input as a failure', () => {
    expect(resyncHotp(P, '12', '287082', { counter: 0 })).toEqual({ ok: false });
  });
});
