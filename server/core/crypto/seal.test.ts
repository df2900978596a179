import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createDecipheriv } from 'node:crypto';
import { generateDataKey, openSecret, parseMasterKey, sealSecret, unwrapDataKey, wrapDataKey } from './seal';

const key = Buffer.alloc(32, 0x11);
const integrity = expect.objectContaining({ code: 'integrity', message: 'A sealed secret failed its integrity check' });

describe('sealSecret / openSecret', () => {
  it('lays out nonce | tag | ciphertext and is plain AES-256-GCM', () => {
    const nonce = Buffer.alloc(12, 0x22);
    const sealed = sealSecret(key, Buffer.from('hello'), 'factor:1:seed', () => nonce);
    expect(sealed.length).toBe(12 + 16 + 5);
    expect(sealed.subarray(0, 12)).toEqual(nonce);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAuthTag(sealed.subarray(12, 28));
    d.setAAD(Buffer.from('factor:1:seed'));
    expect(Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString()).toBe('hello');
  });

  it('uses a fresh nonce each call', () => {
    const a = sealSecret(key, Buffer.from('same'), 'x');
    const b = sealSecret(key, Buffer.from('same'), 'x');
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a wrong key, a truncated buffer and a bad key size', () => {
    const sealed = sealSecret(key, Buffer.from('seed'), 'a');
    expect(() => openSecret(Buffer.alloc(32, 0x12), sealed, 'a')).toThrow(integrity);
    expect(() => openSecret(key, sealed.subarray(0, 27), 'a')).toThrow(integrity);
    expect(() => openSecret(key, sealed.subarray(0, sealed.length - 1), 'a')).toThrow(integrity);
    expect(() => sealSecret(Buffer.alloc(16), Buffer.from('x'), 'a')).toThrow(expect.objectContaining({ code: 'internal' }));
  });

  it('property: round-trips any bytes with any aad', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (plain, aad) => {
        const dk = generateDataKey();
        expect(openSecret(dk, sealSecret(dk, plain, aad), aad).equals(Buffer.from(plain))).toBe(true);
      }),
    );
  });

  it('property: flipping any single bit throws integrity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string(), fc.nat(), (plain, aad, pick) => {
        const sealed = sealSecret(key, plain, aad);
        const bit = pick % (sealed.length * 8);
        const tampered = Buffer.from(sealed);
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => openSecret(key, tampered, aad)).toThrow(integrity);
      }),
      { numRuns: 300 },
    );
  });

  it('property: changing the aad throws integrity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string(), fc.string(), (plain, aad, other) => {
        fc.pre(aad !== other);
        const sealed = sealSecret(key, plain, aad);
        expect(() => openSecret(key, sealed, other)).toThrow(integrity);
      }),
    );
  });
});

describe('data keys', () => {
  it('generates 32 random bytes', () => {
    const a = generateDataKey();
    expect(a.length).toBe(32);
    expect(a.equals(generateDataKey())).toBe(false);
  });

  it('wraps and unwraps under the master key only', () => {
    const master = generateDataKey();
    const dk = generateDataKey();
    const wrapped = wrapDataKey(master, dk);
    expect(wrapped.length).toBe(12 + 16 + 32);
    expect(unwrapDataKey(master, wrapped).equals(dk)).toBe(true);
    expect(() => unwrapDataKey(generateDataKey(), wrapped)).toThrow(integrity);
    // A seed sealed under the master key is not a wrapped data key (different aad).
    expect(() => unwrapDataKey(master, sealSecret(master, dk, 'factor:1:seed'))).toThrow(integrity);
  });
});

describe('parseMasterKey', () => {
  const bytes = Buffer.from([...Array(32).keys()].map((i) => (i * 37 + 250) & 0xff));

  it('accepts hex, base64 and base64url of 32 bytes', () => {
    expect(parseMasterKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseMasterKey(bytes.toString('hex').toUpperCase())).toEqual(bytes);
    expect(parseMasterKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseMasterKey(bytes.toString('base64').replace(/=$/, ''))).toEqual(bytes);
    expect(parseMasterKey(bytes.toString('base64url'))).toEqual(bytes);
    expect(parseMasterKey(`  ${bytes.toString('hex')}\n`)).toEqual(bytes);
  });

  it('refuses anything else with bad_request and no echo', () => {
    const hex = bytes.toString('hex');
    for (const bad of [
      hex.slice(2),
      hex + '00',
      hex.slice(1) + 'g',
      Buffer.alloc(31).toString('base64'),
      Buffer.alloc(33).toString('base64'),
      '',
      'x'.repeat(43).replace(/x$/, 'B'),
    ]) {
      let err: unknown;
      try {
        parseMasterKey(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'bad_request' });
      if (bad) expect((err as Error).message).not.toContain(bad);
    }
  });
});
