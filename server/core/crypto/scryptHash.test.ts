import { describe, it, expect } from 'vitest';
import { scryptSync } from 'node:crypto';
import { parseScryptEncoding, scryptHash, scryptVerify, type ScryptCost } from './scryptHash';

// Cheap cost: these tests are about the encoding, not the work factor.
const CHEAP: ScryptCost = { log2N: 10, r: 8, p: 1, keyLength: 32 };

describe('scryptHash / scryptVerify', () => {
  it('encodes the cost, salt and hash, and matches node scrypt', async () => {
    const salt = Buffer.alloc(16, 0xab);
    const encoded = await scryptHash('correct horse', CHEAP, (n) => Buffer.alloc(n, 0xab));
    const expected = scryptSync('correct horse', salt, 32, { N: 1024, r: 8, p: 1 });
    expect(encoded).toBe(`scrypt$10$8$1$${salt.toString('base64url')}$${expected.toString('base64url')}`);
  });

  it('verifies the right secret and refuses others', async () => {
    const encoded = await scryptHash('correct horse', CHEAP);
    expect(await scryptVerify('correct horse', encoded)).toBe(true);
    expect(await scryptVerify('correct horsE', encoded)).toBe(false);
    expect(await scryptVerify('', encoded)).toBe(false);
  });

  it('salts: the same secret hashes differently each time', async () => {
    expect(await scryptHash('x', CHEAP)).not.toBe(await scryptHash('x', CHEAP));
  });

  it('treats a malformed or hostile encoding as an integrity error', async () => {
    const good = await scryptHash('s', CHEAP);
    const [, , , , salt, hash] = good.split('$');
    for (const bad of [
      '',
      'bcrypt$10$8$1$' + salt + '$' + hash,
      `scrypt$10$8$1$${salt}`,
      `scrypt$30$8$1$${salt}$${hash}`, // 2^30: a memory bomb
      `scrypt$20$8$1$${salt}$${hash}`, // 1 GiB
      `scrypt$10$0$1$${salt}$${hash}`,
      `scrypt$10$8$1$AAAA$${hash}`, // salt too short
      `scrypt$10$8$1$${salt}$AAAA`, // hash too short
      `scrypt$10$8$1$${salt}$${hash}$extra`,
      `scrypt$1e1$8$1$${salt}$${hash}`,
    ]) {
      await expect(scryptVerify('s', bad)).rejects.toMatchObject({ code: 'integrity' });
    }
  });

  it('reads the cost back', () => {
    const p = parseScryptEncoding(`scrypt$17$8$1$${'A'.repeat(22)}$${'B'.repeat(43)}`);
    expect(p.cost).toEqual({ log2N: 17, r: 8, p: 1, keyLength: 32 });
    expect(p.salt.length).toBe(16);
  });

  it('refuses an unsupported cost when hashing', async () => {
    await expect(scryptHash('s', { ...CHEAP, log2N: 25 })).rejects.toMatchObject({ code: 'internal' });
  });
});
