import { Alert, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { UpdateOperatorInput, type OperatorRole, type OperatorView } from '../../../../shared/schemas/operators';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';
import { RoleRadios } from './RoleRadios';

/** Changes an operator's display name and role (only what changed is sent). */
export function EditOperatorModal({ operator, isSelf, onClose }: { operator: OperatorView; isSelf: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(operator.displayName ?? '');
  const [role, setRole] = useState<OperatorRole>(operator.role);
  const update = useMutation(trpc.operators.update.mutationOptions());
  const { errors, clearError, submit } = useCheckedSubmit(
    () => {
      const name = displayName.trim() === '' ? null : displayName;
      return checkForm(UpdateOperatorInput, {
        id: operator.id,
        ...(name !== operator.displayName ? { displayName: name } : {}),
        ...(role !== operator.role ? { role } : {}),
      });
    },
    async (input) => {
      // Only the id: nothing changed, nothing to send.
      if (Object.keys(input).length === 1) return onClose();
      const op = await update.mutateAsync(input);
      notifications.show({ color: 'green', title: `${op.username} updated`, message: 'The change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.operators.list.queryKey() });
      onClose();
    },
  );

  return (
    <FormModal
      opened
      onClose={onClose}
      title={`Edit ${operator.username}`}
      size="lg"
      onSubmit={submit}
      error={formError(update.error)}
      footnote={
        <Text size="xs" c="dimmed">
          A new role applies to their next request; they do not need to sign in again.
        </Text>
      }
      actionLabel="Save"
      busy={update.isPending}
    >
      <TextInput
        label="Display name"
        description="Optional"
        value={displayName}
        onChange={(e) => {
          setDisplayName(e.currentTarget.value);
          clearError('displayName');
        }}
        error={errors.displayName}
        data-autofocus
      />
      <RoleRadios value={role} onChange={setRole} error={errors.role} />
      {isSelf && role !== 'admin' && (
        <Alert color="yellow" variant="light">
          This is your own account: you will lose the administrator screens as soon as you save.
        </Alert>
      )}
    </FormModal>
  );
}
