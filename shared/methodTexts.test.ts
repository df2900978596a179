import { describe, expect, it } from 'vitest';
import { FACTOR_TYPE_LABELS, METHOD_TEXTS, OTP_ENROLL_TEXTS, OTP_PARAMETER_NOTES, relyText } from './methodTexts';
import { FACTOR_TYPES, isMethodAvailable, METHOD_LABELS, METHODS } from './schemas/methods';

describe('method texts', () => {
  it('every method has its words, named as the server names it', () => {
    for (const m of METHODS) {
      expect(METHOD_TEXTS[m].label).toBe(METHOD_LABELS[m]);
      expect(METHOD_TEXTS[m].description.length).toBeGreaterThan(0);
      expect(METHOD_TEXTS[m].offEffect.length).toBeGreaterThan(0);
    }
    for (const t of FACTOR_TYPES) expect(FACTOR_TYPE_LABELS[t].length).toBeGreaterThan(0);
  });

  it('a method not built yet says why it cannot be turned on; a built one does not', () => {
    for (const m of METHODS) expect(METHOD_TEXTS[m].notAvailable === undefined, m).toBe(isMethodAvailable(m));
    expect(isMethodAvailable('email')).toBe(true);
    expect(isMethodAvailable('sms')).toBe(true);
  });

  it('a method that asks before it is turned on says what turning it on does', () => {
    for (const m of METHODS) if (METHOD_TEXTS[m].warning) expect(METHOD_TEXTS[m].onEffect, m).toBeTruthy();
  });

  it('delivered methods carry the "weaker" note (NIST SP 800-63B restricted)', () => {
    expect(METHOD_TEXTS.email.warning?.badge).toBe('Weaker');
    expect(METHOD_TEXTS.sms.warning?.text).toMatch(/SIM swap/);
    for (const m of ['totp', 'hotp', 'webauthn'] as const) expect(METHOD_TEXTS[m].warning).toBeUndefined();
  });

  it('says how many users rely on a method', () => {
    expect(relyText(0, 'totp')).toBe('No user relies on it');
    expect(relyText(1, 'totp')).toBe('1 user relies on it');
    expect(relyText(1234, 'hotp')).toBe('1,234 users rely on it');
    expect(relyText(0, 'recovery')).toBe('No user has unused recovery codes');
    expect(relyText(2, 'recovery')).toBe('2 users have unused recovery codes');
  });

  it('no HOTP text speaks of seconds or a 30 s period: its codes move on with each press (issue 18)', () => {
    const hotp = [
      METHOD_TEXTS.hotp.description,
      METHOD_TEXTS.hotp.offEffect,
      OTP_ENROLL_TEXTS.hotp.hint,
      OTP_ENROLL_TEXTS.hotp.choice,
      OTP_PARAMETER_NOTES.hotp,
    ];
    for (const t of hotp) expect(t).not.toMatch(/\b30\b|second|period/i);
    expect(OTP_PARAMETER_NOTES.hotp).toMatch(/button is pressed/);
    expect(OTP_PARAMETER_NOTES.totp).toMatch(/30 seconds/);
  });
});
