import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildOtpauthUri, parseOtpauthUri } from './otpauthUri';
import { base32Encode } from './secret';

const secret = new TextEncoder().encode('12345678901234567890');

describe('buildOtpauthUri', () => {
  it('builds the Key URI format with issuer in label and parameter, unpadded Base32', () => {
    expect(buildOtpauthUri({ type: 'totp', issuer: 'Tessera', account: 'alice', secret, algorithm: 'SHA1', digits: 6, period: 30 })).toBe(
      'otpauth://totp/Tessera:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tessera&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes spaces, @ and reserved characters (never "+")', () => {
    const uri = buildOtpauthUri({
      type: 'totp',
      issuer: 'ACME Co & Sons',
      account: 'john.doe+x@example.com',
      secret: new Uint8Array(16),
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });
    expect(uri).toBe(
      'otpauth://totp/ACME%20Co%20%26%20Sons:john.doe%2Bx%40example.com?secret=AAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=ACME%20Co%20%26%20Sons&algorithm=SHA256&digits=8&period=60',
    );
  });

  it('builds HOTP with a counter and no period', () => {
    const uri = buildOtpauthUri({ type: 'hotp', issuer: 'T', account: 'a', secret, algorithm: 'SHA1', digits: 6, counter: 7 });
    expect(uri).toMatch(/^otpauth:\/\/hotp\/T:a\?.*&counter=7$/);
    expect(uri).not.toContain('period');
  });

  it('defaults the TOTP period to 30', () => {
    expect(buildOtpauthUri({ type: 'totp', issuer: 'T', account: 'a', secret, algorithm: 'SHA1', digits: 6 })).toMatch(/&period=30$/);
  });

  it('encodes a colon in the account, and the first colon still splits issuer from account', () => {
    const uri = buildOtpauthUri({ type: 'totp', issuer: 'T', account: 'CORP:alice', secret, algorithm: 'SHA1', digits: 6 });
    expect(uri.startsWith('otpauth://totp/T:CORP%3Aalice?')).toBe(true);
    expect(parseOtpauthUri(uri)).toMatchObject({ issuer: 'T', account: 'CORP:alice' });
  });

  it('refuses a colon in the issuer, empty parts and unsupported parameters', () => {
    const base = { type: 'totp' as const, issuer: 'T', account: 'a', secret, algorithm: 'SHA1' as const, digits: 6 as const };
    for (const bad of [
      { ...base, issuer: 'Evil:Corp' },
      { ...base, issuer: ' ' },
      { ...base, account: '' },
      { ...base, period: 45 },
      { ...base, digits: 7 as unknown as 6 },
      { ...base, issuer: 'bad\uD800' },
      { ...base, account: 'new\nline' },
    ]) {
      expect(() => buildOtpauthUri(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });
});

describe('parseOtpauthUri', () => {
  it('reads the fields back', () => {
    const f = parseOtpauthUri('otpauth://totp/ACME%20Co:john%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&period=60');
    expect(f).toEqual({
      type: 'totp',
      issuer: 'ACME Co',
      account: 'john@example.com',
      secret: new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef]),
      algorithm: 'SHA1',
      digits: 6,
      period: 60,
    });
  });

  it('refuses conflicting issuers, missing secrets and garbage', () => {
    for (const bad of [
      'otpauth://totp/A:b?secret=JBSWY3DP&issuer=B',
      'otpauth://totp/A:b?issuer=A',
      'https://example.com/?secret=JBSWY3DP',
      'otpauth://totp/%E0%A4%A:b?secret=JBSWY3DP',
      'otpauth://totp/A:b?secret=JBSWY3DP&digits=x',
    ]) {
      expect(() => parseOtpauthUri(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });

  it('property: round-trips what buildOtpauthUri makes', () => {
    // Reserved URI characters and arbitrary (well-formed) Unicode.
    const unit = fc.oneof(fc.constantFrom(...`%+&#?=/@ .!'()*:`), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
    const part = fc.string({ unit, minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== '' && !/[\x00-\x1f\x7f]/.test(s));
    const issuerPart = part.filter((s) => !s.includes(':'));
    fc.assert(
      fc.property(
        issuerPart,
        part,
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
        fc.constantFrom(6 as const, 8 as const),
        fc.boolean(),
        fc.nat(1_000_000),
        (issuer, account, bytes, algorithm, digits, totp, counter) => {
          const fields = totp
            ? { type: 'totp' as const, issuer, account, secret: bytes, algorithm, digits, period: 30 }
            : { type: 'hotp' as const, issuer, account, secret: bytes, algorithm, digits, counter };
          const uri = buildOtpauthUri(fields);
          expect(uri).not.toMatch(/\s/);
          expect(uri).toContain(`secret=${base32Encode(bytes)}&`);
          expect(parseOtpauthUri(uri)).toEqual(fields);
        },
      ),
    );
  });
});
