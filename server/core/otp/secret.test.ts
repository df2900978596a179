import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { base32Decode, base32Encode, formatSecretGroups, generateOtpSecret } from './secret';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('base32Encode / base32Decode', () => {
  // RFC 4648 §10 test vectors, without padding.
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  it.each(vectors)('encodes %j as %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(Buffer.from(base32Decode(encoded)).toString()).toBe(plain);
  });

  it('encodes the RFC 4226 seed as the well-known string', () => {
    expect(base32Encode(ascii('12345678901234567890'))).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('accepts lowercase, spaces and padding', () => {
    expect(Buffer.from(base32Decode('mzxw 6ytb oi======')).toString()).toBe('foobar');
    expect(Buffer.from(base32Decode(' MZ\tXQ== ')).toString()).toBe('fo');
  });

  it('rejects characters outside the alphabet with bad_request and no echo', () => {
    for (const bad of ['MZXW1', 'MZXW0', 'MZ-XQ', 'MZXQ8', 'MZ=XQ']) {
      let err: unknown;
      try {
        base32Decode(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'bad_request' });
      expect((err as Error).message).not.toContain(bad);
    }
  });

  it('rejects impossible lengths', () => {
    expect(() => base32Decode('M')).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(() => base32Decode('MZX')).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('round-trips any bytes and never pads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toMatch(/^[A-Z2-7]*$/);
        expect(Buffer.from(base32Decode(text)).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(base32Decode(text.toLowerCase())).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(base32Decode(formatSecretGroups(text))).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('generateOtpSecret', () => {
  it('defaults to 20 bytes from the injected source', () => {
    const calls: number[] = [];
    const secret = generateOtpSecret((n) => {
      calls.push(n);
      return new Uint8Array(n).fill(7);
    });
    expect(calls).toEqual([20]);
    expect(secret).toEqual(new Uint8Array(20).fill(7));
  });

  it('uses the CSPRNG by default', () => {
    const a = generateOtpSecret();
    const b = generateOtpSecret();
    expect(a.length).toBe(20);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('refuses fewer than 16 bytes', () => {
    expect(generateOtpSecret(undefined, 16).length).toBe(16);
    expect(() => generateOtpSecret(undefined, 15)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(() => generateOtpSecret(undefined, 10)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });
});

describe('formatSecretGroups', () => {
  it('groups by four', () => {
    expect(formatSecretGroups('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(formatSecretGroups('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA')).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ A');
    expect(formatSecretGroups('')).toBe('');
  });
});
