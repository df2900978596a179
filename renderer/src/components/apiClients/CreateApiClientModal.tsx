import { Button, Checkbox, Code, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { API_SCOPES, type ApiScope, type CreatedApiKey } from '../../../../shared/schemas/apiKeys';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { ShownOnceSecret } from '../common/ShownOnceSecret';
import { checkCreateApiClient } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { SCOPE_TEXT } from './scopes';
import './apiClients.css';

/**
 * New API client in two steps: name and scopes (checked with the server's
 * schema), then the key — shown this once, with a copy button. The second
 * step does not close on Esc or a click outside: only "I have stored it".
 */
export function CreateApiClientModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiScope[]>(['verify']);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const create = useMutation(trpc.apiKeys.create.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkCreateApiClient({ name, scopes }),
    async (input) => {
      const key = await create.mutateAsync(input);
      setCreated(key);
      await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
    },
  );

  const close = () => {
    setName('');
    setScopes(['verify']);
    setErrors({});
    setCreated(null);
    create.reset();
    onClose();
  };

  if (created) {
    return (
      <Modal
        opened={opened}
        onClose={close}
        title="API client created"
        centered
        size="lg"
        closeOnEscape={false}
        closeOnClickOutside={false}
        withCloseButton={false}
      >
        <Stack gap="md">
          <Text size="sm">
            The key for <b>{created.name}</b>. Put it in the application’s secret store now and send it as <Code>Authorization: Bearer …</Code>.
          </Text>
          <ShownOnceSecret value={created.key} label="The new API key" copyLabel="Copy key" testId="new-api-key">
            Tessera keeps only a hash of the key. If it is lost, revoke this client and create a new one.
          </ShownOnceSecret>
          <Group justify="flex-end">
            <Button onClick={close} data-autofocus>
              I have stored the key
            </Button>
          </Group>
        </Stack>
      </Modal>
    );
  }

  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="New API client"
      size="lg"
      onSubmit={submit}
      error={formError(create.error)}
      actionLabel="Create key"
      busy={create.isPending}
    >
      <TextInput
        label="Name"
        description="Which application uses the key, e.g. “Intranet sign-in”. Shown in the audit log as the actor."
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          clearError('name');
        }}
        error={errors.name}
        data-autofocus
        required
      />
      <Checkbox.Group
        label="Scopes"
        description="Give each application only what it needs."
        value={scopes}
        onChange={(v) => {
          setScopes(v as ApiScope[]);
          clearError('scopes');
        }}
        error={errors.scopes}
      >
        <Stack gap="sm" mt="xs">
          {API_SCOPES.map((s) => (
            <Checkbox key={s} value={s} label={SCOPE_TEXT[s].label} description={SCOPE_TEXT[s].description} />
          ))}
        </Stack>
      </Checkbox.Group>
    </FormModal>
  );
}
