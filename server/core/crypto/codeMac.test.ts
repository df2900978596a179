import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeMac, codeMatches, deriveCodeMacKey } from './codeMac';

describe('code MACs', () => {
  const key = deriveCodeMacKey(randomBytes(32), 'delivered');

  it('matches the code it was made of, for the row it was bound to, and nothing else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{6,8}$/), fc.stringMatching(/^\d{6,8}$/), fc.uuid(), fc.uuid(), (code, other, row, otherRow) => {
        const mac = codeMac(key, row, code);
        expect(mac.length).toBe(32);
        expect(codeMatches(key, row, code, mac)).toBe(true);
        expect(codeMatches(key, row, other, mac)).toBe(other === code);
        expect(codeMatches(key, otherRow, code, mac)).toBe(otherRow === row);
      }),
    );
  });

  it('keys differ by label and by data key, and a MAC never contains the code', () => {
    const dataKey = randomBytes(32);
    expect(deriveCodeMacKey(dataKey, 'a').equals(deriveCodeMacKey(dataKey, 'b'))).toBe(false);
    expect(deriveCodeMacKey(dataKey, 'a').equals(deriveCodeMacKey(randomBytes(32), 'a'))).toBe(false);
    const mac = codeMac(key, 'tx', '123456');
    expect(mac.includes(Buffer.from('123456'))).toBe(false);
    expect(codeMatches(key, 'tx', '123456', mac.subarray(0, 16))).toBe(false);
  });
});
