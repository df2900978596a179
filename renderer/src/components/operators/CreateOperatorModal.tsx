import { Group, PasswordInput, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ROLE_LABELS, type OperatorRole } from '../../../../shared/schemas/operators';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { checkCreateOperator } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { RoleRadios } from './RoleRadios';

const EMPTY = { username: '', displayName: '', role: 'helpdesk' as OperatorRole, password: '' };

/** Adds an operator with a starting password; they set up their own authenticator app at first sign-in. */
export function CreateOperatorModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY);
  const create = useMutation(trpc.operators.create.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkCreateOperator(values),
    async (input) => {
      const op = await create.mutateAsync(input);
      notifications.show({
        color: 'green',
        title: `${op.username} added as ${ROLE_LABELS[op.role]}`,
        message: 'Give them the starting password in person; they set up an authenticator app when they first sign in.',
      });
      await queryClient.invalidateQueries({ queryKey: trpc.operators.list.queryKey() });
      close();
    },
  );

  const close = () => {
    setValues(EMPTY);
    setErrors({});
    create.reset();
    onClose();
  };

  const set = <K extends keyof typeof EMPTY>(key: K, value: (typeof EMPTY)[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(key);
  };

  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="Add operator"
      size="lg"
      onSubmit={submit}
      error={formError(create.error)}
      actionLabel="Add operator"
      busy={create.isPending}
    >
      <Group grow align="flex-start">
        <TextInput
          label="Username"
          value={values.username}
          onChange={(e) => set('username', e.currentTarget.value)}
          error={errors.username}
          required
          data-autofocus
          autoComplete="off"
        />
        <TextInput
          label="Display name"
          description="Optional"
          value={values.displayName}
          onChange={(e) => set('displayName', e.currentTarget.value)}
          error={errors.displayName}
          autoComplete="off"
        />
      </Group>
      <RoleRadios value={values.role} onChange={(r) => set('role', r)} error={errors.role} />
      <PasswordInput
        label="Starting password"
        description="At least 12 characters. Hand it over in person; they add their own authenticator app at first sign-in."
        value={values.password}
        onChange={(e) => set('password', e.currentTarget.value)}
        error={errors.password}
        required
        autoComplete="new-password"
      />
    </FormModal>
  );
}
