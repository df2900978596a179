import { Alert, Button, Code, Group, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { TestEmailInput, TestSmsInput, type DeliveryChannel, type DeliveryOutcome } from '../../../../shared/schemas/delivery';
import { formError, useTRPC } from '../../api/trpc';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';

const WORDS: Record<DeliveryChannel, { label: string; placeholder: string; description: string }> = {
  email: { label: 'Send a test message to', placeholder: 'you@example.com', description: 'An email address you can read.' },
  sms: {
    label: 'Send a test message to',
    placeholder: '+15551234567',
    description: 'A mobile number in international form (+ and country code). The message may cost money.',
  },
};

/**
 * "Send a test message": goes the way a code goes, with the saved settings,
 * and shows what the server answered, as it answered it (green when the
 * transport took the message, red with its error when not).
 * `disabledReason` set: the button is off and the reason is said under it.
 */
export function TestMessage({ channel, disabledReason }: { channel: DeliveryChannel; disabledReason: string | null }) {
  const trpc = useTRPC();
  const [to, setTo] = useState('');
  const [outcome, setOutcome] = useState<DeliveryOutcome | null>(null);
  const send = useMutation((channel === 'email' ? trpc.settings.testEmail : trpc.settings.testSms).mutationOptions());
  const words = WORDS[channel];
  const id = `test-${channel}`;
  const { errors, clearError, submit } = useCheckedSubmit(
    () => checkForm(channel === 'email' ? TestEmailInput : TestSmsInput, { to }),
    async (input) => {
      setOutcome(null);
      setOutcome(await send.mutateAsync(input));
    },
  );
  const refusal = formError(send.error);

  return (
    <form
      className="delivery-test"
      noValidate
      aria-labelledby={`${id}-title`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        e.stopPropagation();
        void submit();
      }}
    >
      <Title order={4} id={`${id}-title`}>
        Send a test message
      </Title>
      <Group align="flex-start" gap="sm" wrap="wrap">
        <TextInput
          label={words.label}
          description={words.description}
          placeholder={words.placeholder}
          type={channel === 'email' ? 'email' : 'tel'}
          value={to}
          onChange={(e) => {
            setTo(e.currentTarget.value);
            clearError('to');
          }}
          error={errors.to}
          disabled={disabledReason !== null}
          w={360}
        />
        <Button type="submit" mt={44} variant="light" loading={send.isPending} disabled={disabledReason !== null}>
          Send test
        </Button>
      </Group>
      {disabledReason && (
        <Text size="sm" c="dimmed">
          {disabledReason}
        </Text>
      )}
      {refusal && !send.isPending && (
        <Text size="sm" c="red" role="alert">
          {refusal}
        </Text>
      )}
      {outcome && (
        <Alert
          color={outcome.ok ? 'green' : 'red'}
          variant="light"
          title={outcome.ok ? 'Sent: the server answered' : 'Not delivered: the server said'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid={`${id}-outcome`}
          maw={760}
        >
          <Code
            block
            c={
              outcome.ok
                ? 'light-dark(var(--mantine-color-green-9), var(--mantine-color-green-4))'
                : 'light-dark(var(--mantine-color-red-9), var(--mantine-color-red-4))'
            }
            bg="transparent"
            p={0}
            className="delivery-answer"
          >
            {outcome.ok ? outcome.response : outcome.error}
          </Code>
        </Alert>
      )}
    </form>
  );
}
