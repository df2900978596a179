import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskDestination, maskEmail, maskPhone } from './mask';

describe('maskPhone', () => {
  it('keeps the +, hides all but the last two digits, groups from the right', () => {
    expect(maskPhone('+441234567812')).toBe('+•• ••• ••• ••12');
    expect(maskPhone('+447911123')).toBe('+•• ••• ••23');
    expect(maskPhone('+12125550123')).toBe('+• ••• ••• ••23');
    expect(maskPhone('+4930123456')).toBe('+••• ••• ••56');
    expect(maskPhone('+123456789012345')).toBe('+•• ••• ••• ••• ••45');
  });

  it('hides short inputs whole and never throws on odd ones', () => {
    expect(maskPhone('+1234')).toBe('+••••');
    expect(maskPhone('12')).toBe('••');
    expect(maskPhone('')).toBe('•••');
    expect(maskPhone('+')).toBe('•••');
    expect(maskPhone('+44 (0) 20-7946')).toBe('+•• ••• ••46');
  });

  it('never reveals more than the last two digits, and one • per hidden digit', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 }), fc.boolean(), (digits, plus) => {
        const out = maskPhone(`${plus ? '+' : ''}${digits}`);
        const shown = out.replace(/\D/g, '');
        expect(shown.length).toBeLessThanOrEqual(2);
        expect(digits.endsWith(shown)).toBe(true);
        expect(out.replace(/[^•]/g, '').length).toBe(digits.length - shown.length);
        expect(out.startsWith('+')).toBe(plus);
        expect(out).toMatch(/^\+?[•\d]{1,4}( [•\d]{3})*( [•\d]{4})?$/);
        if (digits.length >= 5) expect(shown).toBe(digits.slice(-2));
      }),
    );
  });

  it('shows no digit of any input beyond its last two, whatever surrounds them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (input) => {
        const digits = input.replace(/\D/g, '');
        expect(digits.endsWith(maskPhone(input).replace(/\D/g, ''))).toBe(true);
        expect(maskPhone(input).replace(/\D/g, '').length).toBeLessThanOrEqual(2);
      }),
    );
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('alice@example.org')).toBe('a•••@example.org');
    expect(maskEmail('a@example.org')).toBe('a•••@example.org');
    expect(maskEmail('"a@b"@example.org')).toBe('"•••@example.org');
    expect(maskEmail('😀bob@example.org')).toBe('😀•••@example.org');
    expect(maskEmail('not an address')).toBe('•••');
    expect(maskEmail('@example.org')).toBe('•••@example.org');
  });

  it('never shows the local part beyond its first character, nor its length', () => {
    const local = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !s.includes('@'));
    fc.assert(
      fc.property(local, fc.domain(), (l, d) => {
        const out = maskEmail(`${l}@${d}`);
        const first = Array.from(l)[0]!;
        expect(out).toBe(`${first}•••@${d}`);
        expect(out.slice(0, out.lastIndexOf('@'))).toBe(`${first}•••`);
      }),
    );
  });
});

describe('maskDestination', () => {
  it('masks by channel', () => {
    expect(maskDestination('email', 'bob@example.org')).toBe('b•••@example.org');
    expect(maskDestination('sms', '+441234567812')).toBe('+•• ••• ••• ••12');
  });
});
