import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { CreateUserInput } from '../../../../shared/schemas/users';
import { errorMessage, fieldErrors, useTRPC } from '../../api/trpc';
import { checkForm } from '../../lib/zodForm';

/** Adds one user (checked with the shared CreateUserInput), then opens their page to enroll a factor. */
export function CreateUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [values, setValues] = useState({ username: '', displayName: '', email: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(trpc.users.create.mutationOptions());

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

  const submit = async () => {
    const input = { username: values.username, ...(values.displayName.trim() ? { displayName: values.displayName } : {}), ...(values.email.trim() ? { email: values.email } : {}) };
    const checked = checkForm(CreateUserInput, input);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    try {
      const user = await create.mutateAsync(checked.data);
      await queryClient.invalidateQueries(trpc.users.list.pathFilter());
      await queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter());
      notifications.show({ color: 'teal', title: 'User created', message: `${user.username} was added. Enroll a factor next.` });
      onClose();
      await navigate(`/users/${encodeURIComponent(user.username)}`);
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  };

  const general = create.isError && Object.keys(fieldErrors(create.error)).length === 0 ? errorMessage(create.error) : null;
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Create a user</Text>} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        noValidate
      >
        <Stack gap="md">
          <TextInput label="Username" description="What applications send as the user; compared without regard to case" value={values.username} onChange={set('username')} error={errors.username} required data-autofocus autoComplete="off" />
          <TextInput label="Display name" value={values.displayName} onChange={set('displayName')} error={errors.displayName} autoComplete="off" />
          <TextInput label="Email" type="email" value={values.email} onChange={set('email')} error={errors.email} autoComplete="off" />
          {general && (
            <Alert color="red" variant="light" role="alert">
              {general}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
