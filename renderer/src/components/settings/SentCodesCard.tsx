import { Button, Group, NumberInput, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { SettingsPatch, type Settings } from '../../../../shared/schemas/settings';
import { formError, useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';
import { useCheckedSubmit, type Checked } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';
import './settings.css';

export const SENT_CODE_FIELDS = [
  'deliveredCodeDigits',
  'deliveredCodeMinutes',
  'sendLimitPerUser',
  'sendLimitPerApiKey',
  'sendLimitWindowMinutes',
  'resendSeconds',
  'temporaryCodeMaxHours',
] as const;
type Field = (typeof SENT_CODE_FIELDS)[number];
export type SentCodeValues = Record<Field, number | string>;
type NumberField = Exclude<Field, 'deliveredCodeDigits'>;

/** What each number is called in a message when it is left empty or is not a whole number. */
const NAMES: Record<NumberField, string> = {
  deliveredCodeMinutes: 'how long a code stays valid',
  sendLimitPerUser: 'the sends allowed per user',
  sendLimitPerApiKey: 'the sends allowed per API key',
  sendLimitWindowMinutes: 'the window in minutes',
  resendSeconds: 'the wait in seconds',
  temporaryCodeMaxHours: 'the longest life in hours',
};

const valuesOf = (s: Settings): SentCodeValues => Object.fromEntries(SENT_CODE_FIELDS.map((k) => [k, s[k]])) as SentCodeValues;

/**
 * The values as typed → the settings patch, checked with the server's
 * SettingsPatch; an empty or fractional number is said in words first
 * (zod would say "expected number, received string").
 */
export function checkSentCodes(values: SentCodeValues): Checked<Pick<Settings, Field>> {
  const pre: Record<string, string> = {};
  const patch: Record<string, unknown> = { deliveredCodeDigits: Number(values.deliveredCodeDigits) };
  for (const k of Object.keys(NAMES) as NumberField[]) {
    const v = values[k];
    const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
    if (!Number.isFinite(n)) pre[k] = `Enter ${NAMES[k]}`;
    else if (!Number.isInteger(n)) pre[k] = `Enter ${NAMES[k]} as a whole number`;
    patch[k] = Number.isFinite(n) ? n : v;
  }
  const r = checkForm(SettingsPatch, patch);
  if (!r.ok || Object.keys(pre).length) return { ok: false, errors: { ...(r.ok ? {} : r.errors), ...pre } };
  return { ok: true, data: r.data as Pick<Settings, Field> };
}

/**
 * Codes Tessera sends by email and SMS (and temporary codes a helpdesk
 * gives out): their length and life, and the send limits that keep a user
 * from being flooded and a stolen API key from running up an SMS bill.
 */
export function SentCodesCard({ settings }: { settings: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const initial = valuesOf(settings);
  const [values, setValues] = useState<SentCodeValues>(initial);
  const dirty = SENT_CODE_FIELDS.some((k) => String(values[k]) !== String(initial[k]));
  const save = useMutation(trpc.settings.update.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkSentCodes(values),
    async (patch) => {
      const next = await save.mutateAsync(patch);
      setValues(valuesOf(next));
      notifications.show({ color: 'green', title: 'Sent-code settings saved', message: 'They apply from the next code sent; the change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() });
    },
  );
  const set = (key: Field, value: number | string) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(key);
  };
  const common = { readOnly: !canEdit, disabled: save.isPending };
  const number = (key: NumberField, label: string, description: string, min: number, max: number, suffix?: string) => (
    <NumberInput
      {...common}
      label={label}
      description={description}
      min={min}
      max={max}
      allowDecimal={false}
      allowNegative={false}
      clampBehavior="none"
      thousandSeparator=","
      suffix={suffix}
      value={values[key]}
      onChange={(v) => set(key, v)}
      error={errors[key]}
      w={260}
    />
  );
  const refusal = formError(save.error);

  return (
    <Paper
      withBorder
      p="lg"
      radius="md"
      component="form"
      noValidate
      aria-labelledby="sent-codes-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack gap={4} mb="lg">
        <Title order={3} id="sent-codes-title">
          Sent codes
        </Title>
        <Text size="sm" c="dimmed" maw={760}>
          One-time codes sent by email or text message. Limits count sends, whether or not the message arrived.
        </Text>
      </Stack>
      <Stack gap="lg">
        <Group align="flex-start" gap="lg" wrap="wrap">
          <Select
            {...common}
            label="Code length"
            description="Digits in each code sent."
            data={[
              { value: '6', label: '6 digits' },
              { value: '7', label: '7 digits' },
              { value: '8', label: '8 digits' },
            ]}
            value={String(values.deliveredCodeDigits)}
            onChange={(v) => v !== null && set('deliveredCodeDigits', Number(v))}
            allowDeselect={false}
            error={errors.deliveredCodeDigits}
            w={260}
          />
          {number('deliveredCodeMinutes', 'Code life', 'How long a sent code stays valid (1–60 minutes).', 1, 60, ' min')}
          {number('resendSeconds', 'Resend wait', 'Before the same user may be sent another code (0–600 s).', 0, 600, ' s')}
        </Group>
        <Group align="flex-start" gap="lg" wrap="wrap">
          {number('sendLimitPerUser', 'Sends per user', 'Codes one user may be sent within the window (1–100).', 1, 100)}
          {number('sendLimitPerApiKey', 'Sends per API key', 'Codes one API key may have sent, to all its users, within the window.', 1, 1_000_000)}
          {number('sendLimitWindowMinutes', 'Limit window', 'The period both limits count over (1–1,440 minutes).', 1, 24 * 60, ' min')}
        </Group>
        {number('temporaryCodeMaxHours', 'Temporary code, longest life', 'The most a helpdesk may give a temporary code (1–168 hours).', 1, 24 * 7, ' h')}
        {canEdit && (
          <Group gap="sm">
            <Button type="submit" loading={save.isPending} disabled={!dirty}>
              Save sent-code settings
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
            {refusal && !save.isPending && (
              <Text c="red" size="sm" role="alert">
                {refusal}
              </Text>
            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
