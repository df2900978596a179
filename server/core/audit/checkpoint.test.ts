import { describe, it, expect } from 'vitest';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { checkpointMessage, generateSigningKeyPair, signCheckpoint, verifyCheckpoint } from './checkpoint';

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
    expect(checkpointMessage(42, hashA).toString()).toBe(`tessera-audit-checkpoint:v1:42:${hashA}`);
    const sig = signCheckpoint(keys.privateKeyDer, 42, hashA);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    const pub = createPublicKey({ key: keys.publicKeyDer, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`tessera-audit-checkpoint:v1:42:${hashA}`), pub, Buffer.from(sig, 'base64url'))).toBe(true);
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

  it('works with a key re-read into a fresh buffer, and stays fast (cached KeyObject)', () => {
    const copy = Buffer.from(keys.privateKeyDer);
    const sig = signCheckpoint(copy, 9, hashB);
    expect(verifyCheckpoint(Buffer.from(keys.publicKeyDer), 9, hashB, sig)).toBe(true);
    // Compare against parsing the DER on every call, in the same environment, so a loaded machine does not matter.
    const n = 500;
    const time = (f: (i: number) => void) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) f(i);
      return Number(process.hrtime.bigint() - t0);
    };
    const cached = time((i) => signCheckpoint(keys.privateKeyDer, i, hashA));
    const uncached = time((i) => sign(null, checkpointMessage(i, hashA), createPrivateKey({ key: keys.privateKeyDer, format: 'der', type: 'pkcs8' })));
    expect(cached).toBeLessThan(uncached / 2);
  });
});
