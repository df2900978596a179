import { Badge, Button, Divider, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { METHOD_TEXTS } from '../../../../shared/methodTexts';
import type { DeliveryChannel } from '../../../../shared/schemas/delivery';
import { formError } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { useCan } from '../../lib/session';
import { MethodWarning } from './MethodsCard';
import { TestMessage } from './TestMessage';
import './settings.css';

/**
 * The frame both delivery cards share: title and state, the method's
 * "Weaker" note, the settings form with Save and Discard (admins only), then
 * "Send a test message" — a form of its own, off until the settings shown are saved.
 */
export function DeliveryCard({
  channel,
  title,
  description,
  updatedAt,
  dirty,
  saving,
  saveError,
  onSubmit,
  onDiscard,
  children,
}: {
  channel: DeliveryChannel;
  title: string;
  description: ReactNode;
  /** When the stored settings were last saved; null: none saved yet. */
  updatedAt: string | null;
  dirty: boolean;
  saving: boolean;
  saveError: unknown;
  onSubmit: () => void;
  onDiscard: () => void;
  children: ReactNode;
}) {
  const canEdit = useCan('admin');
  const id = `delivery-${channel}`;
  const warning = METHOD_TEXTS[channel].warning;
  const refusal = formError(saveError);
  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby={`${id}-title`} data-testid={id}>
      <Stack gap={4} mb="md">
        <Group gap="xs">
          <Title order={3} id={`${id}-title`}>
            {title}
          </Title>
          {warning && (
            <Badge color="yellow" variant="light" size="sm">
              {warning.badge}
            </Badge>
          )}
          {updatedAt ? (
            <Badge color="green" variant="light" size="sm">
              Set up
            </Badge>
          ) : (
            <Badge color="gray" variant="light" size="sm">
              Not set up
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed" maw={760}>
          {description}
          {updatedAt && ` Last saved ${formatDateTime(updatedAt)}.`}
        </Text>
        <MethodWarning method={channel} />
      </Stack>
      <form
        className="delivery-form"
        noValidate
        aria-label={`${title} settings`}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        {canEdit && (
          <Group gap="sm">
            <Button type="submit" loading={saving} disabled={!dirty}>
              Save {channel === 'email' ? 'email' : 'SMS'} settings
            </Button>
            <Button variant="default" disabled={!dirty || saving} onClick={onDiscard}>
              Discard changes
            </Button>
            {refusal && !saving && (
              <Text c="red" size="sm" role="alert">
                {refusal}
              </Text>
            )}
          </Group>
        )}
      </form>
      {canEdit && (
        <>
          <Divider my="lg" />
          <TestMessage
            channel={channel}
            disabledReason={
              !updatedAt
                ? 'Save the settings first: the test goes the way a code goes, with the saved settings.'
                : dirty
                  ? 'Save or discard your changes first: the test uses the saved settings.'
                  : null
            }
          />
        </>
      )}
    </Paper>
  );
}
