import { Checkbox, Group, NumberInput, PasswordInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { SmtpConfigView, SmtpTlsMode } from '../../../../shared/schemas/delivery';
import { useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { DeliveryCard } from './DeliveryCard';
import { checkSmtp, SMTP_PORTS, smtpValues, type SmtpValues } from './deliveryForm';

const TLS_MODES: { value: SmtpTlsMode; label: string }[] = [
  { value: 'implicit', label: 'Implicit TLS (465)' },
  { value: 'starttls', label: 'STARTTLS required (587)' },
  { value: 'none', label: 'None — this machine only' },
];

const TLS_HINTS: Record<SmtpTlsMode, string> = {
  implicit: 'TLS from the first byte, usually port 465.',
  starttls: 'Connects in plain text and upgrades to TLS; refused if the server does not offer it. Usually port 587.',
  none: 'No encryption at all: allowed only to a mail server on this machine (127.0.0.1, ::1, localhost).',
};

/**
 * The SMTP server email codes go through. The password is write-only: the
 * field starts empty whatever is stored, an empty field keeps the stored
 * one, and "Remove password" clears it. Admins edit; others read.
 */
export function SmtpCard({ view }: { view: SmtpConfigView | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const initial = smtpValues(view);
  const [values, setValues] = useState<SmtpValues>(initial);
  const dirty = JSON.stringify(values) !== JSON.stringify(initial);
  const save = useMutation(trpc.settings.setSmtp.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkSmtp(values),
    async (input) => {
      await save.mutateAsync(input);
      notifications.show({ color: 'green', title: 'Email settings saved', message: 'Send a test message to check them. The change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.delivery.queryKey() });
    },
  );

  const set = <K extends keyof SmtpValues>(key: K, value: SmtpValues[K], errorKey: string = key) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(errorKey);
  };
  const common = { readOnly: !canEdit, disabled: save.isPending };

  return (
    <DeliveryCard
      channel="email"
      title="Email (SMTP)"
      description="The mail server Tessera hands email codes to. Codes are sent from the address below; the message never puts the code in the subject."
      updatedAt={view?.updatedAt ?? null}
      dirty={dirty}
      saving={save.isPending}
      saveError={save.error}
      onSubmit={() => void submit()}
      onDiscard={() => {
        setValues(initial);
        setErrors({});
      }}
    >
      <Group align="flex-start" gap="md" wrap="wrap">
        <TextInput
          {...common}
          label="Host"
          description="Host name or IP address of the SMTP server."
          placeholder="smtp.example.com"
          value={values.host}
          onChange={(e) => {
            set('host', e.currentTarget.value);
            clearError('tls'); // "no TLS only to this machine" depends on the host too
          }}
          error={errors.host}
          w={320}
        />
        <NumberInput
          {...common}
          label="Port"
          description="1–65535."
          min={1}
          max={65535}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          thousandSeparator={false}
          value={values.port}
          onChange={(v) => set('port', v)}
          error={errors.port}
          w={140}
        />
      </Group>
      <Select
        {...common}
        label="TLS"
        description={TLS_HINTS[values.tls]}
        data={TLS_MODES}
        value={values.tls}
        allowDeselect={false}
        onChange={(v) => {
          if (!v) return;
          const tls = v as SmtpTlsMode;
          // The port follows the mode when it was the previous mode's usual one.
          setValues((cur) => ({ ...cur, tls, port: cur.port === SMTP_PORTS[cur.tls] ? SMTP_PORTS[tls] : cur.port }));
          clearError('tls');
        }}
        error={errors.tls}
        maw={480}
      />
      <Group align="flex-start" gap="md" wrap="wrap">
        <TextInput
          {...common}
          label="Username"
          description="Optional: leave empty if the server needs no login."
          autoComplete="off"
          value={values.username}
          onChange={(e) => set('username', e.currentTarget.value)}
          error={errors.username}
          w={320}
        />
        <PasswordInput
          {...common}
          label="Password"
          description={view?.hasPassword ? 'A password is stored. Type a new one to replace it.' : 'Never shown again once saved.'}
          placeholder={view?.hasPassword ? 'stored ••• — leave empty to keep' : ''}
          autoComplete="new-password"
          value={values.password}
          onChange={(e) => set('password', e.currentTarget.value)}
          error={errors.password}
          disabled={common.disabled || values.removePassword}
          w={320}
        />
      </Group>
      {view?.hasPassword && canEdit && (
        <Checkbox
          label="Remove password"
          description="Saves the settings with no password stored."
          checked={values.removePassword}
          onChange={(e) => {
            const removePassword = e.currentTarget.checked;
            setValues((v) => ({ ...v, removePassword, password: removePassword ? '' : v.password }));
            clearError('password');
          }}
          disabled={save.isPending}
        />
      )}
      <TextInput
        {...common}
        label="From address"
        description="The sender users see, e.g. mfa@example.com."
        type="email"
        value={values.from}
        onChange={(e) => set('from', e.currentTarget.value)}
        error={errors.from}
        maw={480}
      />
      <Group align="flex-start" gap="xl" wrap="wrap">
        <NumberInput
          {...common}
          label="Timeout"
          description="Wait for the server (1–60 s)."
          min={1}
          max={60}
          allowNegative={false}
          clampBehavior="none"
          suffix=" s"
          value={values.timeoutSeconds}
          onChange={(v) => set('timeoutSeconds', v, 'timeoutMs')}
          error={errors.timeoutMs}
          w={220}
        />
        {canEdit ? (
          <Switch
            mt={30}
            label="Verify the server’s certificate"
            description="Turn off only for a test server with a certificate of its own."
            checked={values.verifyCertificate}
            onChange={(e) => set('verifyCertificate', e.currentTarget.checked)}
            disabled={save.isPending}
            error={errors.verifyCertificate}
          />
        ) : (
          // Read-only roles see no switches on this page (a disabled one still looks like something to press).
          <Stack gap={2} mt={24}>
            <Text size="sm" fw={500}>
              Server certificate
            </Text>
            <Text size="sm" data-testid="smtp-verify-certificate">
              {values.verifyCertificate ? 'Verified against the system’s CAs' : 'Not verified (test server)'}
            </Text>
          </Stack>
        )}
      </Group>
    </DeliveryCard>
  );
}
