import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  RECOVERY_ALPHABET,
  RECOVERY_CODES_PER_SET,
  generateRecoveryCodeSet,
  hashRecoveryCodeSecret,
  parseRecoveryCode,
  verifyRecoveryCodeSecret,
} from './recoveryCodes';

describe('alphabet', () => {
  it('has 32 distinct symbols and no look-alikes', () => {
    expect(RECOVERY_ALPHABET).toBe('23456789ABCDEFGHJKLMNPQRSTUVWXYZ');
    expect(new Set(RECOVERY_ALPHABET).size).toBe(32);
    for (const c of '01IO') expect(RECOVERY_ALPHABET).not.toContain(c);
  });
});

describe('generateRecoveryCodeSet', () => {
  it('makes 10 unique codes of the documented shape', () => {
    const set = generateRecoveryCodeSet();
    expect(RECOVERY_CODES_PER_SET).toBe(10);
    expect(set).toHaveLength(10);
    expect(new Set(set.map((c) => c.display)).size).toBe(10);
    expect(new Set(set.map((c) => c.lookupId)).size).toBe(10);
    for (const c of set) {
      expect(c.display).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
      expect(c.lookupId).toHaveLength(4);
      expect(c.secret).toHaveLength(12);
      // ≥ 40 secret bits: 12 symbols × log2(32).
      expect(c.secret.length * Math.log2(RECOVERY_ALPHABET.length)).toBeGreaterThanOrEqual(40);
      expect(c.display.replace(/-/g, '')).toBe(c.lookupId + c.secret);
      expect(parseRecoveryCode(c.display)).toEqual({ lookupId: c.lookupId, secret: c.secret });
    }
  });

  it('extracts 5 bits per symbol from the injected bytes (no modulo bias)', () => {
    // All zero bits: every symbol is the first; all one bits: the last.
    expect(generateRecoveryCodeSet(scripted(Array(10).fill(0x00)))[0]!.display).toBe('2222-2222-2222-2222');
    expect(generateRecoveryCodeSet(scripted(Array(10).fill(0xff)))[0]!.display).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    // Symbols 0..15 as 5-bit groups: 00000 00001 00010 … = bytes 00 44 32 14 c7 42 54 b6 35 cf.
    const code = generateRecoveryCodeSet(scripted([0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf]))[0]!;
    expect(code.lookupId + code.secret).toBe('23456789ABCDEFGH');
  });

  it('redraws a repeated lookup id', () => {
    let call = 0;
    // The second draw repeats the first; the set must still have 10 unique ids.
    const set = generateRecoveryCodeSet((n) => {
      call++;
      const b = Buffer.alloc(n, 0);
      // The lookup id is the top 20 bits.
      b.writeUInt32BE((call === 2 ? 1 : call) << 12, 0);
      return b;
    });
    expect(new Set(set.map((c) => c.lookupId)).size).toBe(10);
    expect(call).toBe(11);
  });

  it('gives up on a source that never changes', () => {
    expect(() => generateRecoveryCodeSet((n) => new Uint8Array(n))).toThrow(expect.objectContaining({ code: 'internal' }));
  });

  it('is roughly uniform over the alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i++) for (const c of generateRecoveryCodeSet()) for (const ch of c.secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    // 24 000 symbols: expect 750 each; ±30 % is many standard deviations.
    for (const n of counts.values()) expect(Math.abs(n - 750)).toBeLessThan(225);
  });
});

describe('parseRecoveryCode', () => {
  it('accepts dashes, spaces and lowercase', () => {
    const want = { lookupId: 'ABCD', secret: 'EFGHJKMNPQRS' };
    expect(parseRecoveryCode('ABCD-EFGH-JKMN-PQRS')).toEqual(want);
    expect(parseRecoveryCode('abcdefghjkmnpqrs')).toEqual(want);
    expect(parseRecoveryCode(' abcd efgh-jkmn pqrs ')).toEqual(want);
  });

  it('rejects look-alikes and wrong lengths instead of guessing', () => {
    for (const bad of [
      'ABCD-EFGH-JKMN-PQR0',
      'OBCD-EFGH-JKMN-PQRS',
      'ABCD-EFGH-JKMN-PQR1',
      'ABCD-EFGH-JKMN-PQI2',
      'ABCD-EFGH-JKMN-PQR',
      'ABCD-EFGH-JKMN-PQRST',
      '',
    ]) {
      expect(parseRecoveryCode(bad)).toBeNull();
    }
  });

  it('property: round-trips any code over the alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...RECOVERY_ALPHABET), minLength: 16, maxLength: 16 }), (s) => {
        const display = s.match(/.{4}/g)!.join('-');
        expect(parseRecoveryCode(display.toLowerCase())).toEqual({ lookupId: s.slice(0, 4), secret: s.slice(4) });
      }),
    );
  });
});

describe('hashRecoveryCodeSecret / verifyRecoveryCodeSecret', () => {
  it('uses scrypt N=2^15, r=8, p=1 with a 16-byte salt and verifies true/false', async () => {
    const [code] = generateRecoveryCodeSet();
    const encoded = await hashRecoveryCodeSecret(code!.secret);
    expect(encoded).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(encoded).not.toContain(code!.secret);
    expect(await verifyRecoveryCodeSecret(code!.secret, encoded)).toBe(true);
    const other = code!.secret.slice(0, 11) + (code!.secret.endsWith('2') ? '3' : '2');
    expect(await verifyRecoveryCodeSecret(other, encoded)).toBe(false);
    // Case, spaces and dashes do not matter; other characters do.
    expect(await verifyRecoveryCodeSecret(code!.secret.toLowerCase().replace(/(.{4})(?!$)/g, '$1-'), encoded)).toBe(true);
    expect(await verifyRecoveryCodeSecret(code!.secret + '2', encoded)).toBe(false);
    expect(await verifyRecoveryCodeSecret('', encoded)).toBe(false);
  });

  it('hashes any string (for timing dummies) without throwing', async () => {
    const dummy = await hashRecoveryCodeSecret('not-a-real-recovery-code');
    expect(await verifyRecoveryCodeSecret('NOTAREALRECOVERYCODE', dummy)).toBe(true);
    expect(await verifyRecoveryCodeSecret('x', dummy)).toBe(false);
  });
});

/** Returns `first` on the first call, then distinct lookup ids so the set can complete. */
function scripted(first: number[]): (n: number) => Uint8Array {
  let call = 0;
  return (n) => {
    call++;
    if (call === 1) return Uint8Array.from(first);
    const b = Buffer.alloc(n, 0x5a);
    b.writeUInt32BE((0x40000 + call) * 4096, 0);
    return b;
  };
}
