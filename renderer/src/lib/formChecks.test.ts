import { describe, expect, it } from 'vitest';
import { checkCreateApiClient, checkCreateOperator, checkCreateUser, checkEnrollFactor, checkHotpResync, checkReasonConfirm } from './formChecks';

/** The modals' validation: what each form sends, and what it says before sending anything. */

describe('Create user', () => {
  it('needs a username', () => {
    expect(checkCreateUser({ username: '', displayName: '', email: '' })).toEqual({ ok: false, errors: { username: 'Username must not be empty' } });
  });
  it('leaves blank optional fields out and checks the email', () => {
    expect(checkCreateUser({ username: 'ann', displayName: '  ', email: 'nope' })).toEqual({ ok: false, errors: { email: 'Email is not a valid address' } });
    expect(checkCreateUser({ username: 'ann', displayName: ' ', email: '' })).toEqual({ ok: true, data: { username: 'ann' } });
  });
  it('sends the cleaned values', () => {
    expect(checkCreateUser({ username: ' Ann ', displayName: 'Ann L', email: 'ann@example.com' })).toEqual({
      ok: true,
      data: { username: 'Ann', displayName: 'Ann L', email: 'ann@example.com' },
    });
  });
});

describe('Add operator', () => {
  it('sends username, role and password; the display name only when given', () => {
    expect(checkCreateOperator({ username: 'op', displayName: '', role: 'helpdesk', password: 'a long enough password 42' })).toEqual({
      ok: true,
      data: { username: 'op', role: 'helpdesk', password: 'a long enough password 42' },
    });
    const r = checkCreateOperator({ username: 'op', displayName: 'Op Erator', role: 'auditor', password: 'a long enough password 42' });
    expect(r.ok && r.data.displayName).toBe('Op Erator');
  });
  it('names the empty username', () => {
    const r = checkCreateOperator({ username: '', displayName: '', role: 'admin', password: 'a long enough password 42' });
    expect(r.ok ? null : Object.keys(r.errors)).toEqual(['username']);
  });
});

describe('Create API client', () => {
  it('needs a name and a scope', () => {
    expect(checkCreateApiClient({ name: '', scopes: [] })).toEqual({
      ok: false,
      errors: { name: 'Name must not be empty', scopes: 'Choose at least one scope' },
    });
  });
  it('sends the scopes once each, sorted', () => {
    expect(checkCreateApiClient({ name: 'VPN', scopes: ['verify', 'audit', 'verify'] })).toEqual({
      ok: true,
      data: { name: 'VPN', scopes: ['audit', 'verify'] },
    });
  });
});

describe('Enroll factor', () => {
  it("TOTP sends its period; the selects' strings become numbers", () => {
    expect(checkEnrollFactor({ type: 'totp', label: 'Phone', algorithm: 'SHA1', digits: '6', period: '60' })).toEqual({
      ok: true,
      data: { type: 'totp', label: 'Phone', algorithm: 'SHA1', digits: 6, period: 60 },
    });
  });
  it('HOTP sends no period of its own and no blank label', () => {
    const r = checkEnrollFactor({ type: 'hotp', label: '  ', algorithm: 'SHA256', digits: '8', period: '60' });
    expect(r.ok).toBe(true);
    expect(r.ok && r.data).toMatchObject({ type: 'hotp', algorithm: 'SHA256', digits: 8 });
    expect(r.ok && 'label' in r.data).toBe(false);
    expect(r.ok && r.data.period).not.toBe(60);
  });
  it('refuses parameters the server does not offer, per field', () => {
    const r = checkEnrollFactor({ type: 'totp', label: '', algorithm: 'MD5', digits: '7', period: '45' });
    expect(r.ok ? null : Object.keys(r.errors).sort()).toEqual(['algorithm', 'digits', 'period']);
  });
});

describe('HOTP resync', () => {
  it('takes codes with spaces, as some tokens print them', () => {
    expect(checkHotpResync({ code1: '123 456', code2: '654 321' })).toEqual({ ok: true, data: { code1: '123456', code2: '654321' } });
  });
  it('names the code that is not 6–8 digits', () => {
    expect(checkHotpResync({ code1: '123 456', code2: '12345' })).toEqual({ ok: false, errors: { code2: 'code2 must be 6–8 digits' } });
  });
});

describe('Confirm with a reason', () => {
  it('an empty reason is asked for', () => {
    expect(checkReasonConfirm({ askReason: true, reason: '  ', typed: '' })).toEqual({
      errors: { reason: 'Give a reason: it is kept in the audit log' },
      reason: null,
    });
  });
  it('a too long reason says so', () => {
    expect(checkReasonConfirm({ askReason: true, reason: 'x'.repeat(501), typed: '' })).toEqual({
      errors: { reason: 'Reason must be at most 500 characters' },
      reason: null,
    });
  });
  it('the name must be typed back when asked', () => {
    expect(checkReasonConfirm({ askReason: true, reason: 'lost phone', typeToConfirm: 'ann', typed: 'an' })).toEqual({
      errors: { typed: 'Type ann to confirm' },
      reason: null,
    });
    expect(checkReasonConfirm({ askReason: true, reason: '', typeToConfirm: 'ann', typed: '' }).errors).toEqual({
      reason: 'Give a reason: it is kept in the audit log',
      typed: 'Type ann to confirm',
    });
  });
  it('goes ahead with the cleaned reason, or an empty one when none is asked', () => {
    expect(checkReasonConfirm({ askReason: true, reason: ' lost phone ', typeToConfirm: 'ann', typed: ' ann ' })).toEqual({ errors: {}, reason: 'lost phone' });
    expect(checkReasonConfirm({ askReason: false, reason: '', typed: '' })).toEqual({ errors: {}, reason: '' });
  });
});
