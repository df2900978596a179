import { describe, it, expect } from 'vitest';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  checkpointMessage,
  generateSigningKeyPair,
  keyFingerprint,
  normalizeFingerprint,
  publicKeyOf,
  signCheckpoint,
  signHead,
  verifyCheckpoint,
  verifyHead,
  verifyLegacyPoint,
} from './checkpoint';

const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);

describe('checkpoints', () => {
  const keys = generateSigningKeyPair();

  it('exports Ed25519 keys as pkcs8 / spki DER', () => {
    const pub = createPublicKey({ key: keys.publicKeyDer, format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyType).toBe('ed25519');
    expect(keys.publicKeyDer.length).toBe(44);
    expect(keys.privateKeyDer.length).toBe(48);
  });

  it('signs the documented message', () => {
    expect(checkpointMessage(42, hashA).toString()).toBe(`tessera-audit-checkpoint:v2:42:${hashA}`);
    const sig = signCheckpoint(keys.privateKeyDer, 42, hashA);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    const pub = createPublicKey({ key: keys.publicKeyDer, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`tessera-audit-checkpoint:v2:42:${hashA}`), pub, Buffer.from(sig, 'base64url'))).toBe(true);
  });

  it('verifies, and fails with another key, seq, hash or signature', () => {
    const sig = signCheckpoint(keys.privateKeyDer, 7, hashA);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, hashA, sig)).toBe(true);
    expect(verifyCheckpoint(generateSigningKeyPair().publicKeyDer, 7, hashA, sig)).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, 8, hashA, sig)).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, hashB, sig)).toBe(false);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, hashA, flipped)).toBe(false);
  });

  it('never throws on garbage when verifying', () => {
    const sig = signCheckpoint(keys.privateKeyDer, 7, hashA);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, hashA, '')).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, hashA, sig + 'A')).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, -1, hashA, sig)).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, 7, 'A'.repeat(64), sig)).toBe(false);
    expect(verifyCheckpoint(Buffer.from('not a key'), 7, hashA, sig)).toBe(false);
  });

  it('refuses to sign an ambiguous message', () => {
    expect(() => signCheckpoint(keys.privateKeyDer, 1.5, hashA)).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => signCheckpoint(keys.privateKeyDer, 1, 'abc')).toThrow(expect.objectContaining({ code: 'internal' }));
  });

  // Speed (the cached KeyObject) is measured by bench/verify, not asserted here: tests run on noisy machines.
  it('works with a key re-read into a fresh buffer (the KeyObject cache is keyed by content)', () => {
    const copy = Buffer.from(keys.privateKeyDer);
    const sig = signCheckpoint(copy, 9, hashB);
    expect(verifyCheckpoint(Buffer.from(keys.publicKeyDer), 9, hashB, sig)).toBe(true);
    // Ed25519 is deterministic: the cached key must sign exactly as a freshly parsed one.
    const fresh = sign(null, checkpointMessage(9, hashB), createPrivateKey({ key: keys.privateKeyDer, format: 'der', type: 'pkcs8' })).toString('base64url');
    expect(sig).toBe(fresh);
  });

  it('head and checkpoint sign distinct messages: neither signature passes as the other (issue 11, finding 2)', () => {
    const cp = signCheckpoint(keys.privateKeyDer, 5, hashA);
    const head = signHead(keys.privateKeyDer, 5, hashA);
    expect(verifyHead(keys.publicKeyDer, 5, hashA, head)).toBe(true);
    expect(verifyHead(keys.publicKeyDer, 5, hashA, cp)).toBe(false);
    expect(verifyCheckpoint(keys.publicKeyDer, 5, hashA, head)).toBe(false);
    // v1 (one message for both) is still read, for old bundles and the one-time re-signing.
    const v1 = sign(
      null,
      Buffer.from(`tessera-audit-checkpoint:v1:5:${hashA}`),
      createPrivateKey({ key: keys.privateKeyDer, format: 'der', type: 'pkcs8' }),
    ).toString('base64url');
    expect(verifyLegacyPoint(keys.publicKeyDer, 5, hashA, v1)).toBe(true);
    expect(verifyHead(keys.publicKeyDer, 5, hashA, v1)).toBe(false);
  });

  it('derives the public key from the private key; fingerprints are SHA-256 of the SPKI in groups', () => {
    expect(publicKeyOf(keys.privateKeyDer).equals(keys.publicKeyDer)).toBe(true);
    const fp = keyFingerprint(keys.publicKeyDer);
    expect(fp).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
    expect(normalizeFingerprint(fp.replace(/ /g, '').toUpperCase())).toBe(fp);
    expect(normalizeFingerprint(fp.replace(/ /g, ':'))).toBe(fp);
    expect(normalizeFingerprint('abcd')).toBeNull();
  });
});
