import { Alert, Button, Divider, Group, NumberInput, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { SettingsPatch, type Settings } from '../../../../shared/schemas/settings';
import { fieldErrors, useTRPC } from '../../api/trpc';
import { checkForm } from '../../lib/zodForm';
import { useCan } from '../../lib/session';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import './settings.css';

type Editable = Omit<Settings, 'methods'>;
type FormValues = { [K in keyof Editable]: Editable[K] extends number ? number | string : Editable[K] };

/** The settings this form edits (the page keys it by their stored values). */
export const FIELDS: (keyof Editable)[] = ['issuer', 'totpWindow', 'throttleFreeAttempts', 'throttleLockAfter', 'throttleLockMinutes', 'pendingExpiryHours'];

function valuesOf({ methods: _methods, ...editable }: Settings): FormValues {
  return editable;
}

/** NumberInput gives '' for an empty field: keep it as text so zod says what is wrong. */
function asNumber(v: number | string): number | string {
  return typeof v === 'number' ? v : v.trim() === '' ? v : Number(v);
}

export function Section({ title, description, children }: { title: string; description: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="sm" component="fieldset" className="settings-fieldset">
      <Title order={4} component="legend">
        {title}
      </Title>
      <Text size="sm" c="dimmed" mt={-8} maw={760}>
        {description}
      </Text>
      {children}
    </Stack>
  );
}

/**
 * Issuer, TOTP window, throttling and pending-enrollment expiry. Checked
 * with the server's own SettingsPatch schema before sending; admins edit,
 * everyone else reads.
 */
export function SettingsForm({ settings }: { settings: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const [values, setValues] = useState<FormValues>(() => valuesOf(settings));
  const initial = valuesOf(settings);
  const dirty = FIELDS.some((k) => String(values[k]) !== String(initial[k]));

  const save = useMutation(trpc.settings.update.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () =>
      checkForm(SettingsPatch, {
        issuer: values.issuer,
        totpWindow: asNumber(values.totpWindow),
        throttleFreeAttempts: asNumber(values.throttleFreeAttempts),
        throttleLockAfter: asNumber(values.throttleLockAfter),
        throttleLockMinutes: asNumber(values.throttleLockMinutes),
        pendingExpiryHours: asNumber(values.pendingExpiryHours),
      }),
    async (patch) => {
      const next = await save.mutateAsync(patch);
      setValues(valuesOf(next));
      notifications.show({ color: 'green', title: 'Settings saved', message: 'They apply from the next request; the change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() });
    },
  );

  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(key);
  };

  const common = { readOnly: !canEdit, disabled: save.isPending };
  const number = (key: keyof Editable, label: string, description: string, min: number, max: number, suffix?: string) => (
    <NumberInput
      {...common}
      label={label}
      description={description}
      min={min}
      max={max}
      allowDecimal={false}
      allowNegative={false}
      clampBehavior="none"
      suffix={suffix}
      value={values[key] as number | string}
      onChange={(v) => set(key, v)}
      error={errors[key]}
      maw={360}
    />
  );

  return (
    <Paper
      withBorder
      p="lg"
      radius="md"
      component="form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void submit();
      }}
      noValidate
      aria-labelledby="settings-title"
    >
      <Stack gap={4} mb="lg">
        <Title order={3} id="settings-title">
          Settings
        </Title>
        <Text size="sm" c="dimmed">
          Apply to every user. Changes take effect from the next request and are recorded in the audit log.
        </Text>
      </Stack>
      <Stack gap="xl">
        <Section title="Authenticator apps" description="How new TOTP factors are labelled, and how much clock drift a code may have.">
          <TextInput
            {...common}
            label="Issuer name"
            description="Shown in authenticator apps above the account name. Changes apply to new enrollments; existing entries in apps keep the old name."
            value={values.issuer}
            onChange={(e) => set('issuer', e.currentTarget.value)}
            error={errors.issuer}
            maw={480}
          />
          <Select
            {...common}
            label="TOTP window"
            description="Which time steps a code may come from. One step either side allows for a phone clock up to 30 s off."
            data={[
              { value: '1', label: 'One step either side (±30 s) — recommended' },
              { value: '0', label: 'Current step only (strict)' },
            ]}
            value={String(values.totpWindow)}
            onChange={(v) => v !== null && set('totpWindow', Number(v))}
            allowDeselect={false}
            error={errors.totpWindow}
            maw={480}
          />
          <Alert color="blue" variant="light" title="Some apps ignore algorithm, digits and period" maw={720}>
            Google Authenticator and several other apps read only the secret from the QR code and always use SHA-1, 6 digits and 30 seconds. Tessera enrolls
            with those defaults; choose anything else only for tokens you know support it, or the user’s codes will never match.
          </Alert>
        </Section>

        <Divider />
        <Section
          title="Throttling"
          description="Per user, across every application and address. After the free attempts each failure doubles the wait; at the lock threshold the user is locked out until the lock ends or helpdesk unlocks them. A correct code clears the count."
        >
          <Group align="flex-start" gap="lg" wrap="wrap">
            {number('throttleFreeAttempts', 'Free attempts', 'Failures before any delay (1–20).', 1, 20)}
            {number('throttleLockAfter', 'Lock after', 'Consecutive failures that lock the user (2–100).', 2, 100, ' failures')}
            {number('throttleLockMinutes', 'Lock duration', 'How long a lock lasts (1–1,440 minutes).', 1, 24 * 60, ' min')}
          </Group>
        </Section>

        <Divider />
        <Section title="Enrollment" description="A factor that is enrolled but never confirmed with a first code is removed after this time.">
          {number('pendingExpiryHours', 'Pending enrollment expiry', 'From 1 hour to 30 days (720 hours).', 1, 24 * 30, ' h')}
        </Section>

        {canEdit && (
          <Group gap="sm">
            <Button type="submit" loading={save.isPending} disabled={!dirty}>
              Save settings
            </Button>
            <Button
              variant="default"
              disabled={!dirty || save.isPending}
              onClick={() => {
                setValues(initial);
                setErrors({});
              }}
            >
              Discard changes
            </Button>
            {save.isError && !Object.keys(fieldErrors(save.error)).length && (
              <Text c="red" size="sm" role="alert">
                {save.error.message}
              </Text>
            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
