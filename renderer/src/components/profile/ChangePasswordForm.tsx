import { PasswordInput, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PASSWORD_RULES_TEXT } from '../../../../shared/passwordRules';
import type { OperatorView } from '../../../../shared/schemas/operators';
import { formError, useTRPC } from '../../api/trpc';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { checkChangePassword } from './passwordChecks';

const EMPTY = { currentPassword: '', newPassword: '', repeat: '' };

/**
 * The state and submit of "change your password": current, new, new again,
 * checked with the shared rules before sending; a refusal from the server
 * lands on its field (a wrong current password on the first). On success the
 * signed-in operator (auth.me) is updated from the answer.
 */
export function useChangePassword(username: string, onChanged: (operator: OperatorView) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY);
  const change = useMutation(trpc.profile.changePassword.mutationOptions());
  const checked = useCheckedSubmit(
    () => checkChangePassword(values, username),
    async (input) => {
      const operator = await change.mutateAsync(input);
      setValues(EMPTY);
      queryClient.setQueryData(trpc.auth.me.queryKey(), { operator } as never);
      onChanged(operator);
    },
  );
  const set = (key: keyof typeof EMPTY) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [key]: value }));
    checked.clearError(key);
  };
  const reset = () => {
    setValues(EMPTY);
    checked.setErrors({});
    change.reset();
  };
  return { values, set, errors: checked.errors, submit: checked.submit, busy: change.isPending, error: formError(change.error), reset };
}

/** The three fields; the form around them (a modal, the forced screen) submits. */
export function ChangePasswordFields({
  form,
  currentLabel = 'Current password',
  autoFocus,
}: {
  form: ReturnType<typeof useChangePassword>;
  currentLabel?: string;
  autoFocus?: boolean;
}) {
  return (
    <Stack gap="sm">
      <PasswordInput
        label={currentLabel}
        value={form.values.currentPassword}
        onChange={form.set('currentPassword')}
        error={form.errors.currentPassword}
        autoComplete="current-password"
        required
        data-autofocus={autoFocus || undefined}
        autoFocus={autoFocus}
      />
      <PasswordInput
        label="New password"
        description={PASSWORD_RULES_TEXT}
        value={form.values.newPassword}
        onChange={form.set('newPassword')}
        error={form.errors.newPassword}
        autoComplete="new-password"
        required
      />
      <PasswordInput
        label="New password again"
        value={form.values.repeat}
        onChange={form.set('repeat')}
        error={form.errors.repeat}
        autoComplete="new-password"
        required
      />
    </Stack>
  );
}
