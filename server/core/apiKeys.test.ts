import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { API_KEY_LENGTH, checkApiKeyFormat, generateApiKey, hashApiKey } from './apiKeys';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

describe('generateApiKey', () => {
  it('has the documented shape, prefix and hash', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^tsk_[a-z2-7]{32}_[a-z2-7]{6}$/);
    expect(key).toHaveLength(43);
    expect(API_KEY_LENGTH).toBe(43);
    expect(prefix).toBe(key.slice(0, 12));
    expect(prefix.startsWith('tsk_')).toBe(true);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toBe(hash);
    expect(checkApiKeyFormat(key)).toBe(true);
  });

  it('encodes 20 injected bytes as the body and checksums it', () => {
    const { key } = generateApiKey((n) => new Uint8Array(n));
    const body = 'a'.repeat(32);
    // First 30 bits of SHA-256("aaa…"), 5 bits per character.
    const first30 = createHash('sha256').update(body).digest().readUInt32BE(0) >>> 2;
    const sum = [25, 20, 15, 10, 5, 0].map((s) => ALPHABET[(first30 >>> s) & 31]).join('');
    expect(key).toBe(`tsk_${body}_${sum}`);
    const ff = generateApiKey((n) => new Uint8Array(n).fill(0xff)).key;
    expect(ff.slice(4, 36)).toBe('7'.repeat(32));
  });

  it('is different each time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey().key));
    expect(keys.size).toBe(50);
  });
});

describe('checkApiKeyFormat', () => {
  it('catches every single-character substitution in a sample', () => {
    const chars = ALPHABET + 'ABCZ019_-t';
    let tried = 0;
    for (let k = 0; k < 20; k++) {
      const { key } = generateApiKey();
      for (let i = 0; i < key.length; i++) {
        for (const c of chars) {
          if (c === key[i]) continue;
          const typo = key.slice(0, i) + c + key.slice(i + 1);
          tried++;
          expect(checkApiKeyFormat(typo), `position ${i} → ${c}`).toBe(false);
        }
      }
    }
    expect(tried).toBeGreaterThan(30_000);
  });

  it('refuses wrong lengths, transpositions and other prefixes', () => {
    const { key } = generateApiKey();
    expect(checkApiKeyFormat(key.slice(0, -1))).toBe(false);
    expect(checkApiKeyFormat(key + 'a')).toBe(false);
    expect(checkApiKeyFormat(key.toUpperCase())).toBe(false);
    expect(checkApiKeyFormat('tsx_' + key.slice(4))).toBe(false);
    expect(checkApiKeyFormat(` ${key.slice(1)}`)).toBe(false);
    expect(checkApiKeyFormat('')).toBe(false);
    expect(checkApiKeyFormat(undefined as unknown as string)).toBe(false);
    // Swapping two different adjacent body characters.
    const i = [...Array(31).keys()].map((j) => j + 4).find((j) => key[j] !== key[j + 1])!;
    const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    expect(checkApiKeyFormat(swapped)).toBe(false);
  });
});
