import { CreateApiKeyInput, type ApiScope } from '../../../shared/schemas/apiKeys';
import { EnrollFactorInput, HotpResyncInput } from '../../../shared/schemas/factors';
import { CreateOperatorInput, type OperatorRole } from '../../../shared/schemas/operators';
import { Reason } from '../../../shared/schemas/text';
import { CreateUserInput } from '../../../shared/schemas/users';
import { checkForm } from './zodForm';

/**
 * What the console's forms send, checked before they send it: each builds
 * its input from the fields as typed (optional fields left out when blank)
 * and checks it with the server's own schema from shared/.
 */

const given = (key: string, value: string) => (value.trim() ? { [key]: value } : {});

export function checkCreateUser(values: { username: string; displayName: string; email: string }) {
  return checkForm(CreateUserInput, { username: values.username, ...given('displayName', values.displayName), ...given('email', values.email) });
}

export function checkCreateOperator(values: { username: string; displayName: string; role: OperatorRole; password: string }) {
  return checkForm(CreateOperatorInput, {
    username: values.username,
    role: values.role,
    password: values.password,
    ...given('displayName', values.displayName),
  });
}

export function checkCreateApiClient(values: { name: string; scopes: ApiScope[] }) {
  return checkForm(CreateApiKeyInput, { name: values.name, scopes: values.scopes });
}

/** The enroll form keeps digits and period as the strings its selects hold. */
export function checkEnrollFactor(form: { type: 'totp' | 'hotp'; label: string; algorithm: string; digits: string; period: string }) {
  return checkForm(EnrollFactorInput, {
    type: form.type,
    ...given('label', form.label),
    algorithm: form.algorithm,
    digits: Number(form.digits),
    ...(form.type === 'totp' ? { period: Number(form.period) } : {}),
  });
}

/** Two consecutive HOTP codes, spaces (as printed on some tokens) removed. */
export function checkHotpResync(codes: { code1: string; code2: string }) {
  return checkForm(HotpResyncInput, { code1: codes.code1.replace(/\s+/g, ''), code2: codes.code2.replace(/\s+/g, '') });
}

/**
 * The confirm dialog of a destructive action: a reason (kept in the audit
 * log) when it asks for one, and the name typed back when it asks for that.
 * Returns the field errors ({} when it may go ahead) and the reason to send.
 */
export function checkReasonConfirm(opts: { askReason: boolean; reason: string; typeToConfirm?: string; typed: string }): {
  errors: Record<string, string>;
  reason: string | null;
} {
  const checked = opts.askReason ? checkForm(Reason, opts.reason) : ({ ok: true, data: '' } as const);
  const errors: Record<string, string> = {};
  if (!checked.ok) errors.reason = opts.reason.trim() === '' ? 'Give a reason: it is kept in the audit log' : (checked.errors._ ?? 'Not a valid reason');
  if (opts.typeToConfirm !== undefined && opts.typed.trim() !== opts.typeToConfirm) errors.typed = `Type ${opts.typeToConfirm} to confirm`;
  return { errors, reason: checked.ok && Object.keys(errors).length === 0 ? checked.data : null };
}
