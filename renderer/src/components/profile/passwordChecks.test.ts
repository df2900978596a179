import { describe, expect, it } from 'vitest';
import { checkChangePassword, checkTypedTemporaryPassword } from './passwordChecks';

describe('checkChangePassword', () => {
  const ok = { currentPassword: 'the old passphrase', newPassword: 'a brand new passphrase', repeat: 'a brand new passphrase' };

  it('sends exactly the two passwords when every rule holds', () => {
    expect(checkChangePassword(ok, 'hal')).toEqual({ ok: true, data: { currentPassword: 'the old passphrase', newPassword: 'a brand new passphrase' } });
  });

  it('says in words what is wrong, on the field it is about', () => {
    expect(checkChangePassword({ currentPassword: '', newPassword: 'short', repeat: '' }, 'hal')).toEqual({
      ok: false,
      errors: { currentPassword: 'Type your current password.', newPassword: 'Use at least 12 characters.' },
    });
    expect(checkChangePassword({ ...ok, repeat: 'a brand new passphrasE' }, 'hal')).toEqual({
      ok: false,
      errors: { repeat: 'The two new passwords are not the same.' },
    });
    expect(checkChangePassword({ ...ok, newPassword: 'HAL rules the day', repeat: 'HAL rules the day' }, 'hal')).toEqual({
      ok: false,
      errors: { newPassword: 'Do not use your username in your password.' },
    });
    expect(checkChangePassword({ currentPassword: ok.currentPassword, newPassword: ok.currentPassword, repeat: ok.currentPassword }, 'hal')).toEqual({
      ok: false,
      errors: { newPassword: 'Choose a password different from your current one.' },
    });
  });
});

describe('checkTypedTemporaryPassword', () => {
  it('follows the same rules as any new password', () => {
    expect(checkTypedTemporaryPassword('a typed temporary one', 'hal')).toEqual({ ok: true, data: 'a typed temporary one' });
    expect(checkTypedTemporaryPassword('aaaaaaaaaaaaaa', 'hal')).toEqual({ ok: false, errors: { password: 'Do not repeat a single character.' } });
    expect(checkTypedTemporaryPassword('', 'hal')).toEqual({ ok: false, errors: { password: 'Type the temporary password, or let Tessera generate one.' } });
  });
});
