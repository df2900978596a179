import { Alert, Button, Group, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { OperatorView } from '../../../../shared/schemas/operators';
import { useTRPC } from '../../api/trpc';
import { AuthLayout } from '../common/AuthLayout';
import { ErrorAlert, SubmitForm } from '../common/ModalForm';
import { formatDateTime } from '../../lib/format';
import { ChangePasswordFields, useChangePassword } from '../profile/ChangePasswordForm';

/**
 * All the console shows an operator whose password someone else set (a new
 * operator's starting password, a reset): choose your own, or sign out. The
 * server refuses everything else (password_change_required) until then; this
 * screen only says so in words.
 */
export function ForcedPasswordChange({ operator }: { operator: OperatorView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Once changed, auth.me says so and the console opens on its own.
  const form = useChangePassword(operator.username, () => undefined);
  const navigate = useNavigate();
  // As the console's own sign-out: nothing of this session stays in memory.
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: async () => {
        queryClient.clear();
        await navigate('/login');
        window.location.reload();
      },
    }),
  );
  return (
    <AuthLayout
      title="Choose a new password"
      subtitle={`Signed in as ${operator.username}. Your password was set by an administrator, so someone else knows it: choose one only you know before you continue.`}
      width={480}
    >
      <SubmitForm onSubmit={form.submit}>
        <ChangePasswordFields form={form} currentLabel="Password you signed in with" autoFocus />
        {operator.temporaryPasswordExpiresAt && (
          <Text size="xs" c="dimmed">
            The temporary password stops working on {formatDateTime(operator.temporaryPasswordExpiresAt)}.
          </Text>
        )}
        <ErrorAlert message={form.error} />
        <Alert color="blue" variant="light" p="xs">
          <Text size="xs">Your authenticator app stays as it is. Any other session of yours is signed out when you save.</Text>
        </Alert>
        <Group justify="space-between">
          <Button variant="subtle" onClick={() => logout.mutate()} loading={logout.isPending}>
            Sign out
          </Button>
          <Button type="submit" loading={form.busy}>
            Save and continue
          </Button>
        </Group>
      </SubmitForm>
    </AuthLayout>
  );
}
