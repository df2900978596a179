import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url, MAX_CREDENTIAL_ID_BYTES, parseClientData, parseCredentialId } from './clientData';

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('decodeBase64Url', () => {
  it('round-trips bytes', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
  });
  it('refuses padding, the standard alphabet and non-canonical spellings', () => {
    expect(decodeBase64Url('AA==')).toBeNull();
    expect(decodeBase64Url('a+b/')).toBeNull();
    expect(decodeBase64Url('A')).toBeNull();
    // "AB" and "AA" both decode to one zero byte with Node; only the canonical one is accepted.
    expect(decodeBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(decodeBase64Url('AB')).toBeNull();
  });
});

describe('parseClientData', () => {
  it('reads type, challenge and origin', () => {
    expect(parseClientData(enc({ type: 'webauthn.get', challenge: 'abc', origin: 'http://localhost:3000', crossOrigin: false }))).toEqual({
      type: 'webauthn.get',
      challenge: 'abc',
      origin: 'http://localhost:3000',
      crossOrigin: false,
      topOrigin: null,
    });
  });
  it('returns null for anything that is not a client data object', () => {
    expect(parseClientData('')).toBeNull();
    expect(parseClientData('%%%')).toBeNull();
    expect(parseClientData(enc('not json'))).toBeNull();
    expect(parseClientData(enc([1, 2]))).toBeNull();
    expect(parseClientData(enc({ type: 'webauthn.get', origin: 'x' }))).toBeNull();
    expect(parseClientData(enc({ type: 'webauthn.get', challenge: 7, origin: 'x' }))).toBeNull();
    expect(parseClientData(enc({ type: 'webauthn.get', challenge: 'x'.repeat(600), origin: 'x' }))).toBeNull();
    expect(parseClientData(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url'))).toBeNull();
  });
});

describe('parseCredentialId', () => {
  it('accepts 1 to 1023 bytes', () => {
    expect(parseCredentialId(encodeBase64Url(new Uint8Array(1)))).toHaveLength(1);
    expect(parseCredentialId(encodeBase64Url(new Uint8Array(MAX_CREDENTIAL_ID_BYTES)))).toHaveLength(1023);
  });
  it('refuses empty, over-long and malformed ids', () => {
    expect(parseCredentialId('')).toBeNull();
    expect(parseCredentialId(encodeBase64Url(new Uint8Array(1024)))).toBeNull();
    expect(parseCredentialId('not base64!')).toBeNull();
  });
});
