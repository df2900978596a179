import { describe, it, expect } from 'vitest';
import { hashPassword, passwordProblems, verifyPassword, verifyPasswordAgainstNothing } from './passwords';

describe('hashPassword / verifyPassword', () => {
  // Two real hashes only: each N=2^17 scrypt takes about half a second.
  it('hashes with scrypt N=2^17 r=8 p=1, verifies the right password only, NFKC-normalised', async () => {
    const encoded = await hashPassword('Cafe\u0301 au lait 42');
    expect(encoded).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(encoded).not.toContain('lait');
    const [right, composed, wrong] = await Promise.all([
      verifyPassword('Cafe\u0301 au lait 42', encoded),
      verifyPassword('Caf\u00e9 au lait 42', encoded),
      verifyPassword('Cafe au lait 42', encoded),
    ]);
    expect(right).toBe(true);
    expect(composed).toBe(true);
    expect(wrong).toBe(false);
  });

  it('the stand-in verify for unknown operators spends a real hash and returns false', async () => {
    const t0 = process.hrtime.bigint();
    expect(await verifyPasswordAgainstNothing('abc')).toBe(false);
    // N=2^17 takes well over 20 ms anywhere; a shortcut would take microseconds.
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeGreaterThan(20);
  });

  it('refuses empty and over-long passwords before hashing', async () => {
    await expect(hashPassword('')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(hashPassword('a'.repeat(257))).rejects.toMatchObject({ code: 'bad_request' });
    const fake = `scrypt$17$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
    expect(await verifyPassword('a'.repeat(257), fake)).toBe(false);
  });

  it('treats a malformed stored hash as an integrity problem', async () => {
    await expect(verifyPassword('whatever', 'plaintext')).rejects.toMatchObject({ code: 'integrity' });
  });
});

describe('passwordProblems', () => {
  it('accepts a reasonable password', () => {
    expect(passwordProblems('correct horse battery')).toEqual([]);
    expect(passwordProblems('a'.repeat(11) + 'b')).toEqual([]);
  });

  it('explains each problem', () => {
    expect(passwordProblems('short')).toEqual(['Use at least 12 characters.']);
    expect(passwordProblems('aaaaaaaaaaaaaaaa')).toEqual(['Do not repeat a single character.']);
    expect(passwordProblems('aaa')).toEqual(['Use at least 12 characters.', 'Do not repeat a single character.']);
    expect(passwordProblems('ab'.repeat(129))).toEqual(['Use at most 256 characters.']);
    expect(passwordProblems('')).toEqual(['Use at least 12 characters.']);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblems('🔑🔒🔓🗝🔐🔏🛡⚔🏰🗡🪪🧿')).toEqual([]);
    expect(passwordProblems('🔑🔒🔓🗝🔐🔏')).toEqual(['Use at least 12 characters.']);
  });
});
