import { describe, expect, it } from 'vitest';
import { splitPasswordAndCode } from './split';

describe('splitPasswordAndCode', () => {
  it('takes the last n digits as the code, n from the user factors', () => {
    expect(splitPasswordAndCode('hunter2123456', [6])).toEqual({ password: 'hunter2', code: '123456' });
    expect(splitPasswordAndCode('pw12345678', [8])).toEqual({ password: 'pw', code: '12345678' });
  });

  it('tries the longest length first, then a shorter one when the longer tail is not all digits', () => {
    expect(splitPasswordAndCode('pw12345678', [6, 8])).toEqual({ password: 'pw', code: '12345678' });
    expect(splitPasswordAndCode('pwx-123456', [8, 6])).toEqual({ password: 'pwx-', code: '123456' });
  });

  it('is the password alone without a digit tail, with nothing left for the password, or without code factors', () => {
    expect(splitPasswordAndCode('user password 2026', [6])).toBeNull();
    expect(splitPasswordAndCode('123456', [6])).toBeNull();
    expect(splitPasswordAndCode('secret123456', [])).toBeNull();
  });
});
