import { TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { checkCreateUser } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';

/** Adds one user (checked with the shared CreateUserInput), then opens their page to enroll a factor. */
export function CreateUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [values, setValues] = useState({ username: '', displayName: '', email: '' });
  const create = useMutation(trpc.users.create.mutationOptions());
  const { errors, setErrors, submit } = useCheckedSubmit(
    () => checkCreateUser(values),
    async (input) => {
      const user = await create.mutateAsync(input);
      await queryClient.invalidateQueries(trpc.users.list.pathFilter());
      await queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter());
      notifications.show({ color: 'teal', title: 'User created', message: `${user.username} was added. Enroll a factor next.` });
      onClose();
      await navigate(`/users/${encodeURIComponent(user.username)}`);
    },
  );

  useEffect(() => {
    if (opened) {
      setValues({ username: '', displayName: '', email: '' });
      setErrors({});
      create.reset();
    }
  }, [opened]);

  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [k]: value }));
  };

  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Create a user"
      onSubmit={submit}
      error={formError(create.error)}
      actionLabel="Create user"
      busy={create.isPending}
    >
      <TextInput
        label="Username"
        description="What applications send as the user; compared without regard to case"
        value={values.username}
        onChange={set('username')}
        error={errors.username}
        required
        data-autofocus
        autoComplete="off"
      />
      <TextInput label="Display name" value={values.displayName} onChange={set('displayName')} error={errors.displayName} autoComplete="off" />
      <TextInput label="Email" type="email" value={values.email} onChange={set('email')} error={errors.email} autoComplete="off" />
    </FormModal>
  );
}
