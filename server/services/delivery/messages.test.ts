import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeEmail, codeSms, SMS_MAX, testEmail, testSms } from './messages';

describe('codeSms', () => {
  it('puts the code first, names the issuer and the expiry', () => {
    expect(codeSms({ issuer: 'Acme', code: '123456', minutes: 5 })).toBe('123456 is your Acme code. It expires in 5 minutes.');
    expect(codeSms({ issuer: 'Acme', code: '123456', minutes: 1 })).toBe('123456 is your Acme code. It expires in 1 minute.');
  });

  it('stays one SMS whatever the issuer, and starts with the code', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.stringMatching(/^\d{6,8}$/), fc.integer({ min: 1, max: 60 }), (issuer, code, minutes) => {
        const sms = codeSms({ issuer, code, minutes });
        expect(sms.length).toBeLessThanOrEqual(SMS_MAX);
        expect(sms.startsWith(`${code} is your `)).toBe(true);
        expect(sms).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

describe('codeEmail', () => {
  it('has the issuer in subject and both parts, the code in the body only, HTML escaped', () => {
    const m = codeEmail({ issuer: 'Acme <b>IT</b>', code: '654321', minutes: 10, purpose: 'sign-in' });
    expect(m.subject).toBe('Your Acme <b>IT</b> sign-in code');
    expect(m.subject).not.toContain('654321');
    expect(m.text).toContain('Acme <b>IT</b>');
    expect(m.text).toContain('654321');
    expect(m.text).toContain('The code is valid for 10 minutes.');
    expect(m.text).toContain('If you did not ask for this code, ignore this message and tell your IT team.');
    expect(m.html).toContain('Acme &lt;b&gt;IT&lt;/b&gt;');
    expect(m.html).not.toContain('<b>');
    expect(m.html).toContain('654321');
  });

  it('says what the code is for', () => {
    expect(codeEmail({ issuer: 'Acme', code: '1', minutes: 5, purpose: 'confirm' }).subject).toBe('Confirm your email address for Acme');
    expect(codeEmail({ issuer: 'Acme', code: '1', minutes: 5, purpose: 'test' }).subject).toBe('Your Acme test code');
  });

  it('keeps a multi-line issuer to one subject line', () => {
    expect(codeEmail({ issuer: 'Acme\r\nBcc: x@example.org', code: '1', minutes: 5, purpose: 'sign-in' }).subject).toBe(
      'Your Acme Bcc: x@example.org sign-in code',
    );
  });
});

describe('test messages', () => {
  it('name the issuer', () => {
    expect(testEmail('Acme & Co').subject).toBe('Test message from Acme & Co');
    expect(testEmail('Acme & Co').html).toContain('Acme &amp; Co');
    expect(testSms('Acme')).toBe('Test message from Acme: SMS delivery works.');
  });
});
