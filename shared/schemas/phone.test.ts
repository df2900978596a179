import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPhone } from '../mask';
import { PhoneNumber, parsePhone } from './phone';

describe('parsePhone', () => {
  it('reads the ways people write an international number into E.164', () => {
    expect(parsePhone('+44 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
    expect(parsePhone(' +1 (212) 555-0123 ')).toEqual({ ok: true, e164: '+12125550123' });
    expect(parsePhone('+44 (0) 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
    expect(parsePhone('+49 1512 3456789')).toEqual({ ok: true, e164: '+4915123456789' });
    expect(parsePhone('+33.6.12.34.56.78')).toEqual({ ok: true, e164: '+33612345678' });
    expect(parsePhone('+441234567812')).toEqual({ ok: true, e164: '+441234567812' });
    expect(parsePhone('＋４４ ７９１１ １２３４５６')).toEqual({ ok: true, e164: '+447911123456' }); // full-width digits, NFKC
  });

  it('reads a national number in the default country', () => {
    expect(parsePhone('07911 123456', 'GB')).toEqual({ ok: true, e164: '+447911123456' });
    expect(parsePhone('(212) 555-0123', 'US')).toEqual({ ok: true, e164: '+12125550123' });
    expect(parsePhone('+33 6 12 34 56 78', 'GB')).toEqual({ ok: true, e164: '+33612345678' });
  });

  it('says what is wrong, in words', () => {
    expect(parsePhone('')).toEqual({ ok: false, message: 'Phone number is required' });
    expect(parsePhone('07911 123456')).toEqual({ ok: false, message: 'Phone number must include the country code, like +44 20 7946 0958' });
    expect(parsePhone('+999 1234 5678')).toEqual({ ok: false, message: 'Phone number must include a valid country code, like +44 20 7946 0958' });
    expect(parsePhone('+44 7700 900123')).toEqual({ ok: false, message: 'That is not a valid phone number for United Kingdom' });
    expect(parsePhone('+1 999 555 0123')).toEqual({ ok: false, message: 'That is not a valid phone number for United States' });
    expect(parsePhone('07700 900123', 'GB')).toEqual({ ok: false, message: 'That is not a valid phone number for United Kingdom' });
    expect(parsePhone('+44')).toEqual({ ok: false, message: 'Phone number is too short' });
    expect(parsePhone('+44 20')).toEqual({ ok: false, message: 'Phone number is too short' });
    expect(parsePhone('+882 1234 5678 9')).toEqual({ ok: false, message: 'That is not a valid phone number (country code +882)' });
    expect(parsePhone('+44 20 7946 0958 1234 5678')).toEqual({ ok: false, message: 'Phone number is too long' });
    expect(parsePhone('+1 800 FLOWERS')).toEqual({ ok: false, message: 'Phone number may contain only digits, spaces, dashes, brackets and a leading +' });
    expect(parsePhone('+44 20 7946 0958 ext. 12')).toEqual({
      ok: false,
      message: 'Phone number must not have an extension: codes go by SMS to the number itself',
    });
    expect(parsePhone('+'.padEnd(40, '1'))).toEqual({ ok: false, message: 'Phone number is too long' });
    expect(parsePhone('+44\u200b20 7946 0958').ok).toBe(false);
  });

  it('never throws, and whatever it accepts is E.164 and parses to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'+0123456789 -()'), maxLength: 20 })), (input) => {
        const r = parsePhone(input);
        if (r.ok) {
          expect(r.e164).toMatch(/^\+[1-9]\d{6,14}$/);
          expect(parsePhone(r.e164)).toEqual(r);
        } else {
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe('PhoneNumber (wire schema)', () => {
  it('transforms to E.164', () => {
    expect(PhoneNumber.parse('+44 20 7946 0958')).toBe('+442079460958');
  });

  it('refuses with the parser’s message', () => {
    const r = PhoneNumber.safeParse('07911 123456');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('Phone number must include the country code, like +44 20 7946 0958');
    expect(PhoneNumber.safeParse(undefined).error?.issues[0]?.message).toBe('Phone number is required');
    expect(PhoneNumber.safeParse(44).error?.issues[0]?.message).toBe('Phone number must be text');
  });

  it('a parsed number masks to its last two digits', () => {
    expect(maskPhone(PhoneNumber.parse('+44 1234 567812'))).toBe('+•• ••• ••• ••12');
  });
});
