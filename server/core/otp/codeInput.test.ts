import { describe, it, expect } from 'vitest';
import { classifyCodeInput } from './codeInput';

describe('classifyCodeInput', () => {
  it('recognises 6–8 ASCII digits as an OTP, spaces removed', () => {
    expect(classifyCodeInput('123456')).toEqual({ kind: 'otp', digits: '123456' });
    expect(classifyCodeInput(' 123 456 ')).toEqual({ kind: 'otp', digits: '123456' });
    expect(classifyCodeInput('1234 5678')).toEqual({ kind: 'otp', digits: '12345678' });
    expect(classifyCodeInput('1234567')).toEqual({ kind: 'otp', digits: '1234567' });
    expect(classifyCodeInput('123456\n')).toEqual({ kind: 'otp', digits: '123456' });
  });

  it('recognises a recovery code in any case, with or without dashes', () => {
    const want = { kind: 'recovery', normalized: 'ABCDEFGHJKMNPQRS' };
    expect(classifyCodeInput('ABCD-EFGH-JKMN-PQRS')).toEqual(want);
    expect(classifyCodeInput('abcd efgh jkmn pqrs')).toEqual(want);
    expect(classifyCodeInput('abcdefghjkmnpqrs')).toEqual(want);
    // 16 digits from the alphabet are a recovery code, not an OTP.
    expect(classifyCodeInput('2345-6789-2345-6789')).toEqual({ kind: 'recovery', normalized: '2345678923456789' });
  });

  it('calls everything else malformed', () => {
    for (const bad of [
      '',
      '12345',
      '123456789',
      '123-456',
      '１２３４５６', // full-width digits
      '١٢٣٤٥٦', // Arabic-Indic digits
      'ABCD-EFGH-JKMN-PQR0',
      'ABCD-EFGH-JKMN',
      'ÀBCD-EFGH-JKMN-PQRS',
      '123456\u0000',
      ' '.repeat(58) + '123456', // 64 chars is fine…
    ].slice(0, -1)) {
      expect(classifyCodeInput(bad)).toEqual({ kind: 'malformed' });
    }
    expect(classifyCodeInput(' '.repeat(58) + '123456')).toEqual({ kind: 'otp', digits: '123456' });
    expect(classifyCodeInput(' '.repeat(59) + '123456')).toEqual({ kind: 'malformed' }); // …65 is not
    expect(classifyCodeInput(undefined as unknown as string)).toEqual({ kind: 'malformed' });
  });
});
