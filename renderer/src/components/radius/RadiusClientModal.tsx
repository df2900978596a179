import { Button, Group, Modal, PasswordInput, Radio, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import { AddRadiusClientInput, UpdateRadiusClientInput, type RadiusClientView, type RadiusMode } from '../../../../shared/schemas/radius';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { ShownOnceSecret } from '../common/ShownOnceSecret';
import { checkForm } from '../../lib/zodForm';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { MODE_TEXT, MODES, generateSecret } from './modes';

/**
 * Add or edit a RADIUS client, checked with the server's own schemas
 * (AddRadiusClientInput / UpdateRadiusClientInput). The shared secret is
 * write-only: on edit an empty field keeps the stored one; after a save that
 * set one, it is shown this once to copy into the NAS, then never again.
 */
export function RadiusClientModal({ opened, editing, onClose }: { opened: boolean; editing: RadiusClientView | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [secret, setSecret] = useState('');
  const [mode, setMode] = useState<RadiusMode>('code');
  const [requireMA, setRequireMA] = useState(true);
  const [saved, setSaved] = useState<{ name: string; secret: string } | null>(null);

  useEffect(() => {
    if (!opened) return;
    setName(editing?.name ?? '');
    setAddress(editing?.address ?? '');
    setSecret('');
    setMode(editing?.mode ?? 'code');
    setRequireMA(editing?.requireMessageAuthenticator ?? true);
    setSaved(null);
  }, [opened, editing]);

  const add = useMutation(trpc.radius.add.mutationOptions());
  const update = useMutation(trpc.radius.update.mutationOptions());
  const mutation = editing ? update : add;
  const values = { name, address, mode, requireMessageAuthenticator: requireMA };
  const { errors, setErrors, clearError, submit } = useCheckedSubmit<z.output<typeof AddRadiusClientInput> | z.output<typeof UpdateRadiusClientInput>>(
    () =>
      editing
        ? checkForm(UpdateRadiusClientInput, { id: editing.id, ...values, ...(secret !== '' ? { secret } : {}) })
        : checkForm(AddRadiusClientInput, { ...values, secret }),
    async (input) => {
      const view = 'id' in input ? await update.mutateAsync(input) : await add.mutateAsync(input);
      await queryClient.invalidateQueries({ queryKey: trpc.radius.list.queryKey() });
      if (secret !== '') setSaved({ name: view.name, secret });
      else close();
    },
  );

  const close = () => {
    setErrors({});
    setSecret('');
    setSaved(null);
    add.reset();
    update.reset();
    onClose();
  };

  if (saved) {
    return (
      <Modal
        opened={opened}
        onClose={close}
        title="RADIUS client saved"
        centered
        size="lg"
        closeOnEscape={false}
        closeOnClickOutside={false}
        withCloseButton={false}
      >
        <Stack gap="md">
          <Text size="sm">
            The shared secret for <b>{saved.name}</b>. Put it in the NAS’s RADIUS settings now (the same value on both sides).
          </Text>
          <ShownOnceSecret value={saved.secret} label="The shared secret" copyLabel="Copy secret" testId="radius-secret">
            Tessera keeps the secret sealed and never shows it. If it is lost, set a new one here and on the NAS.
          </ShownOnceSecret>
          <Group justify="flex-end">
            <Button onClick={close} data-autofocus>
              I have stored the secret
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
      title={editing ? `Edit ${editing.name}` : 'New RADIUS client'}
      size="lg"
      onSubmit={submit}
      error={formError(mutation.error)}
      actionLabel={editing ? 'Save' : 'Add client'}
      busy={mutation.isPending}
    >
      <TextInput
        label="Name"
        description="What the NAS is, e.g. “OpenVPN gateway”. The audit log names it as radius:<name>."
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          clearError('name');
        }}
        error={errors.name}
        data-autofocus
        required
      />
      <TextInput
        label="Source address"
        description="The address its requests come from, or a CIDR block (192.0.2.10, 192.0.2.0/24, 2001:db8::/32). Requests from anywhere else are dropped."
        value={address}
        onChange={(e) => {
          setAddress(e.currentTarget.value);
          clearError('address');
        }}
        error={errors.address}
        required
      />
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <PasswordInput
          style={{ flex: 1 }}
          label="Shared secret"
          description={
            editing ? 'Leave empty to keep the stored secret. At least 16 characters.' : 'At least 16 characters, the same on the NAS. Stored sealed.'
          }
          value={secret}
          onChange={(e) => {
            setSecret(e.currentTarget.value);
            clearError('secret');
          }}
          error={errors.secret}
          required={!editing}
          autoComplete="new-password"
        />
        <Button
          variant="light"
          onClick={() => {
            setSecret(generateSecret());
            clearError('secret');
          }}
          mb={errors.secret ? 22 : 0}
        >
          Generate secret
        </Button>
      </Group>
      <Radio.Group
        label="Mode"
        value={mode}
        onChange={(v) => {
          setMode(v as RadiusMode);
          clearError('mode');
        }}
        error={errors.mode}
      >
        <Stack gap="sm" mt="xs">
          {MODES.map((m) => (
            <Radio key={m} value={m} label={MODE_TEXT[m].label} description={MODE_TEXT[m].description} />
          ))}
        </Stack>
      </Radio.Group>
      <Switch
        label="Require Message-Authenticator"
        description="Drop requests without a valid Message-Authenticator (RFC 3579, the BlastRADIUS fix). Turn off only for a NAS that cannot send one."
        checked={requireMA}
        onChange={(e) => setRequireMA(e.currentTarget.checked)}
      />
    </FormModal>
  );
}
