import { passwordProblems } from '../../../../shared/passwordRules';
import { ChangePasswordInput, Password, type ChangePasswordInput as ChangeInput } from '../../../../shared/schemas/operators';
import type { Checked } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';

/**
 * The password forms' checks before anything is sent: the wire schema from
 * shared/, then the same rules the server applies (shared/passwordRules.ts),
 * then the repeat — each refusal in words on its field.
 */

/** A new password for `username`, typed twice: the message for the new field and for the repeat, or none. */
export function newPasswordErrors(password: string, repeat: string, username: string, field = 'newPassword'): Record<string, string> {
  const errors: Record<string, string> = {};
  const problems = password === '' ? ['Type a new password.'] : passwordProblems(password, { username });
  if (problems.length > 0) errors[field] = problems.join(' ');
  else if (repeat !== password) errors.repeat = 'The two new passwords are not the same.';
  return errors;
}

export function checkChangePassword(values: { currentPassword: string; newPassword: string; repeat: string }, username: string): Checked<ChangeInput> {
  const errors: Record<string, string> = {};
  if (values.currentPassword === '') errors.currentPassword = 'Type your current password.';
  Object.assign(errors, newPasswordErrors(values.newPassword, values.repeat, username));
  if (!errors.newPassword && values.newPassword.normalize('NFKC') === values.currentPassword.normalize('NFKC')) {
    errors.newPassword = 'Choose a password different from your current one.';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return checkForm(ChangePasswordInput, { currentPassword: values.currentPassword, newPassword: values.newPassword });
}

/** The admin's reset form: a typed temporary password follows the same rules; a generated one needs nothing. */
export function checkTypedTemporaryPassword(password: string, username: string): Checked<string> {
  const problems = password === '' ? ['Type the temporary password, or let Tessera generate one.'] : passwordProblems(password, { username });
  if (problems.length > 0) return { ok: false, errors: { password: problems.join(' ') } };
  const checked = checkForm(Password, password);
  return checked.ok ? checked : { ok: false, errors: { password: checked.errors._ ?? 'Not a valid password' } };
}
