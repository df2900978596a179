import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { generateTotp, totpStep, verifyTotp } from './totp';
import type { OtpAlgorithm, TotpParams } from './types';

const ascii = (s: string) => new TextEncoder().encode(s);

// RFC 6238 Appendix B seeds: the ASCII digits, repeated to the hash's size.
const SEEDS: Record<OtpAlgorithm, Uint8Array> = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890'.repeat(6) + '1234'),
};

const RFC6238: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('RFC 6238 Appendix B', () => {
  it('has 64-byte SHA-512 seed', () => expect(SEEDS.SHA512.length).toBe(64));

  for (const [t, sha1, sha256, sha512] of RFC6238) {
    const expected: Record<OtpAlgorithm, string> = { SHA1: sha1, SHA256: sha256, SHA512: sha512 };
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      it(`${algorithm} at T=${t} is ${expected[algorithm]}`, () => {
        const p: TotpParams = { secret: SEEDS[algorithm], algorithm, digits: 8, period: 30 };
        expect(generateTotp(p, t)).toBe(expected[algorithm]);
        const r = verifyTotp(p, expected[algorithm], { epochSeconds: t, window: 0, lastStep: 0 });
        expect(r).toEqual({ ok: true, step: Math.floor(t / 30), delta: 0 });
      });
    }
  }
});

const SECRET = ascii('12345678901234567890');
const P6: TotpParams = { secret: SECRET, algorithm: 'SHA1', digits: 6, period: 30 };

describe('totpStep', () => {
  it('floors epoch / period', () => {
    expect(totpStep(0, 30)).toBe(0);
    expect(totpStep(29.9, 30)).toBe(0);
    expect(totpStep(59, 30)).toBe(1);
    expect(totpStep(60, 30)).toBe(2);
    expect(totpStep(1111111109, 60)).toBe(18518518);
  });
});

describe('verifyTotp', () => {
  const now = 1_700_000_000;

  it('never throws on malformed user input', () => {
    for (const bad of ['', '12345', '1234567', '12345a', ' 12345', '１２３４５６', '123 456', '-12345', '1e5000']) {
      expect(verifyTotp(P6, bad, { epochSeconds: now, window: 1, lastStep: 0 })).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(verifyTotp(P6, undefined as unknown as string, { epochSeconds: now, window: 1, lastStep: 0 })).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('defaults to window 1 and lastStep 0', () => {
    const code = generateTotp(P6, now - 30);
    expect(verifyTotp(P6, code, { epochSeconds: now })).toMatchObject({ ok: true, delta: -1 });
    expect(verifyTotp(P6, generateTotp(P6, now - 60), { epochSeconds: now })).toMatchObject({ ok: false });
  });

  it('reports the matched step and delta', () => {
    const s = totpStep(now, 30);
    const code = generateTotp(P6, now + 30);
    expect(verifyTotp(P6, code, { epochSeconds: now, window: 1, lastStep: 0 })).toEqual({ ok: true, step: s + 1, delta: 1 });
  });

  it('a wrong code is invalid, not replay', () => {
    const code = generateTotp(P6, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const s = totpStep(now, 30);
    expect(verifyTotp(P6, wrong, { epochSeconds: now, window: 1, lastStep: s })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('lastStep far in the future (clock went back) refuses everything as replay without throwing', () => {
    const s = totpStep(now, 30);
    const code = generateTotp(P6, now);
    expect(verifyTotp(P6, code, { epochSeconds: now, window: 1, lastStep: s + 50 })).toEqual({ ok: false, reason: 'replay' });
  });

  it('a later step in the window is still accepted after an earlier one', () => {
    const s = totpStep(now, 30);
    const code = generateTotp(P6, now + 30);
    expect(verifyTotp(P6, code, { epochSeconds: now, window: 1, lastStep: s })).toEqual({ ok: true, step: s + 1, delta: 1 });
    expect(verifyTotp(P6, code, { epochSeconds: now, window: 1, lastStep: s + 1 })).toEqual({ ok: false, reason: 'replay' });
  });

  it('rejects bad configuration loudly', () => {
    expect(() => verifyTotp(P6, '123456', { epochSeconds: now, window: -1, lastStep: 0 })).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => verifyTotp(P6, '123456', { epochSeconds: now, window: 1, lastStep: -1 })).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => verifyTotp(P6, '123456', { epochSeconds: Number.NaN, window: 1, lastStep: 0 })).toThrow(expect.objectContaining({ code: 'internal' }));
  });

  it('refuses a secret shorter than 16 bytes without echoing it', () => {
    const short = { ...P6, secret: ascii('shortsecret') };
    let err: unknown;
    try {
      generateTotp(short, now);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'internal' });
    expect((err as Error).message).not.toContain('shortsecret');
  });

  const params = fc.record({
    secret: fc.uint8Array({ minLength: 16, maxLength: 64 }),
    algorithm: fc.constantFrom<OtpAlgorithm>('SHA1', 'SHA256', 'SHA512'),
    digits: fc.constantFrom<6 | 8>(6, 8),
    period: fc.constantFrom<30 | 60>(30, 60),
  });

  it('property: verifies within ±window steps and not at ±(window+1)', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 10_000, max: 4_000_000_000 }), fc.integer({ min: 0, max: 3 }), (p, t, window) => {
        const code = generateTotp(p, t);
        const s = totpStep(t, p.period);
        for (let d = -window; d <= window; d++) {
          // Any second inside the neighbouring step.
          const at = (s + d) * p.period + ((t + d * 7) % p.period);
          const r = verifyTotp(p, code, { epochSeconds: at, window, lastStep: 0 });
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.step).toBe(s);
        }
        for (const d of [-(window + 1), window + 1]) {
          const at = (s + d) * p.period;
          const r = verifyTotp(p, code, { epochSeconds: at, window, lastStep: 0 });
          // A different step can collide on the same code (1 in 10^digits): only s must not be the match.
          if (r.ok) expect(r.step).not.toBe(s);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: after acceptance at step s with lastStep = s, the same code is a replay', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 10_000, max: 4_000_000_000 }), fc.integer({ min: -1, max: 1 }), (p, t, d) => {
        const code = generateTotp(p, t + d * p.period);
        const first = verifyTotp(p, code, { epochSeconds: t, window: 1, lastStep: 0 });
        expect(first.ok).toBe(true);
        if (!first.ok) return;
        const again = verifyTotp(p, code, { epochSeconds: t, window: 1, lastStep: first.step });
        if (again.ok) {
          // Only possible if another, later step in the window collides on the code.
          expect(again.step).toBeGreaterThan(first.step);
          expect(generateTotp(p, again.step * p.period)).toBe(code);
        } else {
          expect(again.reason).toBe('replay');
        }
      }),
      { numRuns: 100 },
    );
  });
});
