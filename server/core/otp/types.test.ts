import { describe, it, expect } from 'vitest';
import { isOtpAlgorithm, isOtpDigits, isTotpPeriod } from './types';

describe('otp type guards', () => {
  it('accept only the supported values', () => {
    expect(['SHA1', 'SHA256', 'SHA512', 'sha1', 'MD5', 1].map(isOtpAlgorithm)).toEqual([true, true, true, false, false, false]);
    expect([6, 8, 7, '6', 10].map(isOtpDigits)).toEqual([true, true, false, false, false]);
    expect([30, 60, 15, '30'].map(isTotpPeriod)).toEqual([true, true, false, false]);
  });
});
