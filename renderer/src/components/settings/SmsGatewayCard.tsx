import { ActionIcon, Box, Button, Checkbox, Code, Collapse, Group, NumberInput, PasswordInput, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { SmsGatewayConfigView } from '../../../../shared/schemas/delivery';
import { useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { IconPlus } from '../common/icons';
import { SegmentedField } from '../common/SegmentedField';
import { DeliveryCard } from './DeliveryCard';
import { checkSms, DEFAULT_BODY, headerKey, smsValues, TWILIO_API_BASE, type BodyFormat, type SmsValues } from './deliveryForm';

const PROFILES = [
  { value: 'http', label: 'Generic HTTP gateway' },
  { value: 'twilio', label: 'Twilio' },
];

const PLACEHOLDERS = ['{{to}}', '{{code}}', '{{issuer}}', '{{message}}'];

/**
 * The SMS gateway text-message codes go through: a generic HTTP gateway
 * (one POST per message, a templated body) or Twilio. The secret (a
 * gateway token, Twilio's auth token) is write-only, as the SMTP password.
 */
export function SmsGatewayCard({ view }: { view: SmsGatewayConfigView | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const initial = smsValues(view);
  const [values, setValues] = useState<SmsValues>(initial);
  const [advanced, setAdvanced] = useState(initial.apiBase !== TWILIO_API_BASE);
  const dirty = JSON.stringify(values) !== JSON.stringify(initial);
  const save = useMutation(trpc.settings.setSms.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkSms(values),
    async (input) => {
      await save.mutateAsync(input);
      notifications.show({ color: 'green', title: 'SMS settings saved', message: 'Send a test message to check them. The change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.delivery.queryKey() });
    },
  );

  const set = <K extends keyof SmsValues>(key: K, value: SmsValues[K], errorKey: string = key) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(errorKey);
  };
  const setHeader = (i: number, field: 'name' | 'value', value: string) => {
    setValues((v) => ({ ...v, headers: v.headers.map((h, j) => (j === i ? { ...h, [field]: value } : h)) }));
    clearError(headerKey(i, field));
    clearError('headers');
  };
  const removeHeader = (i: number) => {
    setValues((v) => ({ ...v, headers: v.headers.filter((_, j) => j !== i) }));
    // Row errors are keyed by position: after a removal they would point at the wrong row.
    setErrors(({ ...rest }) => Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('headers'))));
  };
  const common = { readOnly: !canEdit, disabled: save.isPending };
  const secretStored = view?.hasSecret ?? false;
  const secretLabel = values.profile === 'twilio' ? 'Auth token' : 'Secret';

  const timeout = (
    <NumberInput
      {...common}
      label="Timeout"
      description="Wait for the gateway (1–60 s)."
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
  );
  const secret = (
    <Stack gap="xs">
      <PasswordInput
        {...common}
        label={secretLabel}
        description={
          values.profile === 'twilio'
            ? 'Your account’s auth token (Twilio console → Account info).'
            : 'Optional: put {{secret}} in a header value (e.g. Authorization: Bearer {{secret}}) and it is replaced by this when sending.'
        }
        placeholder={secretStored ? 'stored ••• — leave empty to keep' : ''}
        autoComplete="new-password"
        value={values.secret}
        onChange={(e) => set('secret', e.currentTarget.value)}
        error={errors.secret}
        disabled={common.disabled || values.removeSecret}
        maw={480}
      />
      {secretStored && canEdit && (
        <Checkbox
          label={`Remove ${secretLabel.toLowerCase()}`}
          checked={values.removeSecret}
          onChange={(e) => {
            const removeSecret = e.currentTarget.checked;
            setValues((v) => ({ ...v, removeSecret, secret: removeSecret ? '' : v.secret }));
            clearError('secret');
          }}
          disabled={save.isPending}
        />
      )}
    </Stack>
  );

  return (
    <DeliveryCard
      channel="sms"
      title="SMS gateway"
      description="The service Tessera hands text-message codes to. Each message may cost money: the send limits below keep a stolen API key from running up a bill."
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
      <Select
        {...common}
        label="Gateway"
        description="A provider with an HTTP API of its own, or Twilio’s Messages API."
        data={PROFILES}
        value={values.profile}
        allowDeselect={false}
        onChange={(v) => v && set('profile', v as SmsValues['profile'])}
        error={errors.profile}
        maw={480}
      />

      {values.profile === 'http' ? (
        <>
          <TextInput
            {...common}
            label="URL"
            description="Tessera POSTs one request per message here. https (http only to this machine)."
            placeholder="https://sms.example.com/api/send"
            value={values.url}
            onChange={(e) => set('url', e.currentTarget.value)}
            error={errors.url}
            maw={640}
          />
          <Stack gap={6}>
            <Text size="sm" fw={500} id="sms-headers-label">
              Headers
            </Text>
            <Text size="xs" c="dimmed" mt={-4}>
              Sent with each request. A value may contain {'{{secret}}'}, replaced by the secret below.
            </Text>
            {values.headers.length === 0 && (
              <Text size="sm" c="dimmed">
                No headers.
              </Text>
            )}
            {values.headers.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own; edits keep their position
              <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  {...common}
                  aria-label={`Header ${i + 1} name`}
                  placeholder="Authorization"
                  value={h.name}
                  onChange={(e) => setHeader(i, 'name', e.currentTarget.value)}
                  error={errors[headerKey(i, 'name')]}
                  w={220}
                />
                <TextInput
                  {...common}
                  aria-label={`Header ${i + 1} value`}
                  placeholder="Bearer {{secret}}"
                  value={h.value}
                  onChange={(e) => setHeader(i, 'value', e.currentTarget.value)}
                  error={errors[headerKey(i, 'value')]}
                  style={{ flex: 1 }}
                  maw={400}
                />
                {canEdit && (
                  <ActionIcon variant="subtle" color="gray" size="lg" mt={2} aria-label={`Remove header ${i + 1}`} onClick={() => removeHeader(i)}>
                    ×
                  </ActionIcon>
                )}
              </Group>
            ))}
            {errors.headers && (
              <Text size="xs" c="red">
                {errors.headers}
              </Text>
            )}
            {canEdit && values.headers.length < 10 && (
              <Button
                variant="subtle"
                size="compact-sm"
                leftSection={<IconPlus size={14} />}
                w="fit-content"
                onClick={() => setValues((v) => ({ ...v, headers: [...v.headers, { name: '', value: '' }] }))}
                disabled={save.isPending}
              >
                Add header
              </Button>
            )}
          </Stack>
          <Box maw={360}>
            <SegmentedField<BodyFormat>
              id="sms-body-format"
              label="Body format"
              value={values.bodyFormat}
              onChange={(bodyFormat) => {
                if (!canEdit) return;
                // The starting template follows the format; an edited one is left alone.
                setValues((v) => ({
                  ...v,
                  bodyFormat,
                  bodyTemplate: v.bodyTemplate === DEFAULT_BODY[v.bodyFormat] ? DEFAULT_BODY[bodyFormat] : v.bodyTemplate,
                }));
              }}
              data={[
                { value: 'json', label: 'JSON' },
                { value: 'form', label: 'Form (URL-encoded)' },
              ]}
            />
          </Box>
          <Textarea
            {...common}
            label="Body template"
            description={
              <>
                Placeholders:{' '}
                {PLACEHOLDERS.map((p) => (
                  <Fragment key={p}>
                    <Code>{p}</Code>{' '}
                  </Fragment>
                ))}
                — the number (E.164), the code, the issuer name and the whole message text.{' '}
                {values.bodyFormat === 'json' ? 'Each is inserted as the content of a JSON string.' : 'Each is URL-encoded.'}
              </>
            }
            autosize
            minRows={2}
            maxRows={8}
            classNames={{ input: 'mono-input' }}
            value={values.bodyTemplate}
            onChange={(e) => set('bodyTemplate', e.currentTarget.value)}
            error={errors.bodyTemplate}
            maw={640}
          />
          <Group align="flex-start" gap="md" wrap="wrap">
            <TextInput
              {...common}
              label="Success statuses"
              description="Answer statuses that mean “sent”, e.g. 200, 202. Empty: any 2xx."
              placeholder="any 2xx"
              value={values.successStatuses}
              onChange={(e) => set('successStatuses', e.currentTarget.value)}
              error={errors.successStatuses}
              w={300}
            />
            <TextInput
              {...common}
              label="Answer must contain"
              description="For gateways that answer 200 with an error inside. Empty: not checked."
              placeholder='"status":"queued"'
              value={values.successBodyContains}
              onChange={(e) => set('successBodyContains', e.currentTarget.value)}
              error={errors.successBodyContains}
              w={300}
            />
          </Group>
          {timeout}
          {secret}
        </>
      ) : (
        <>
          <TextInput
            {...common}
            label="Account SID"
            description="“AC” and 32 hex digits, from the Twilio console."
            placeholder="AC…"
            classNames={{ input: 'mono-input' }}
            value={values.accountSid}
            onChange={(e) => set('accountSid', e.currentTarget.value)}
            error={errors.accountSid}
            maw={480}
          />
          <TextInput
            {...common}
            label="From"
            description="The sending number (+15551234567) or a messaging service SID (MG…)."
            value={values.from}
            onChange={(e) => set('from', e.currentTarget.value)}
            error={errors.from}
            maw={480}
          />
          {secret}
          <div>
            <Button variant="subtle" size="compact-sm" onClick={() => setAdvanced((a) => !a)} aria-expanded={advanced}>
              {advanced ? 'Hide advanced' : 'Advanced'}
            </Button>
            <Collapse expanded={advanced || Boolean(errors.apiBase || errors.timeoutMs)}>
              <Stack gap="md" mt="sm">
                <TextInput
                  {...common}
                  label="API base"
                  description={`Twilio’s own (${TWILIO_API_BASE}) unless you use a regional edge or a test server.`}
                  value={values.apiBase}
                  onChange={(e) => set('apiBase', e.currentTarget.value)}
                  error={errors.apiBase}
                  maw={480}
                />
                {timeout}
              </Stack>
            </Collapse>
          </div>
        </>
      )}
    </DeliveryCard>
  );
}
