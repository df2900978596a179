import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { constantTimeEqualStrings, generateToken, hashToken } from './tokens';

describe('generateToken', () => {
  it('is base64url of 32 random bytes by default', () => {
    const t = generateToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(t);
  });

  it('uses the injected source and size', () => {
    expect(generateToken(16, (n) => new Uint8Array(n).fill(0xfb))).toBe(Buffer.alloc(16, 0xfb).toString('base64url'));
  });

  it('refuses fewer than 128 bits', () => {
    expect(() => generateToken(15)).toThrow(expect.objectContaining({ code: 'internal' }));
  });
});

describe('hashToken', () => {
  it('is hex SHA-256', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});

describe('constantTimeEqualStrings', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqualStrings('same', 'same')).toBe(true);
    expect(constantTimeEqualStrings('same', 'Same')).toBe(false);
    expect(constantTimeEqualStrings('short', 'much longer')).toBe(false);
    expect(constantTimeEqualStrings('', '')).toBe(true);
    expect(constantTimeEqualStrings('', 'x')).toBe(false);
  });

  it('property: agrees with ===', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(constantTimeEqualStrings(a, b)).toBe(a === b);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (a) => {
        expect(constantTimeEqualStrings(a, a)).toBe(true);
      }),
    );
  });

  it('does not confuse lone surrogates that UTF-8 encodes alike', () => {
    expect(constantTimeEqualStrings('\uD800', '\uDC00')).toBe(false);
  });
});
