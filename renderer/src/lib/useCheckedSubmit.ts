import { useCallback, useState } from 'react';
import { fieldErrors } from '../api/trpc';

/** What lib/formChecks (and checkForm) answer: the input to send, or one message per field. */
export type Checked<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

/** A form's field messages, and a way to drop one when its field is edited. */
export function useFieldErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const clearError = useCallback((key: string) => setErrors(({ [key]: _gone, ...rest }) => rest), []);
  return { errors, setErrors, clearError };
}

/**
 * The submit every console form shares: check the values with the shared
 * schema (lib/formChecks) and stop with the field messages if they fail;
 * otherwise clear the messages and run the action (send, invalidate, notify,
 * close). A server refusal that names fields shows on those fields; the
 * mutation keeps the error for the form's own message (formError).
 */
export function useCheckedSubmit<T>(check: () => Checked<T>, run: (data: T) => Promise<unknown>) {
  const fields = useFieldErrors();
  const submit = async () => {
    const checked = check();
    if (!checked.ok) {
      fields.setErrors(checked.errors);
      return;
    }
    fields.setErrors({});
    try {
      await run(checked.data);
    } catch (err) {
      fields.setErrors(fieldErrors(err));
    }
  };
  return { ...fields, submit };
}
