import { Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { DeliveredType } from '../../../../shared/schemas/methods';
import { useTRPC } from '../../api/trpc';
import { formatSeconds } from '../../lib/format';
import { CodeInput } from '../common/CodeInput';
import { ModalForm } from '../common/ModalForm';
import { RefusalAlert, refusalOf, type Refusal } from './deliveryRefusal';

/** The seconds left until `until` (ms), ticking once a second while it is in the future. */
function useSecondsLeft(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null || until <= Date.now()) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

export interface DeliveredCodeStepProps {
  username: string;
  factor: { id: string; type: DeliveredType; destination: string };
  /** The first line: a code was just sent, or was sent at enrollment. */
  intro: 'sent' | 'pending';
  /** After the factor is confirmed (the dialog refreshes the page and closes). */
  onConfirmed: () => void;
  onCancel: () => void;
}

/**
 * The second step of an email or SMS enrollment (and "Confirm with code" on
 * a pending one): the code the user received confirms the factor; Resend
 * sends another, and when the server asks to wait it says how long.
 */
export function DeliveredCodeStep({ username, factor, intro, onConfirmed, onCancel }: DeliveredCodeStepProps) {
  const trpc = useTRPC();
  const [destination, setDestination] = useState(factor.destination);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const wait = useSecondsLeft(waitUntil);
  const confirm = useMutation(trpc.users.confirmFactor.mutationOptions());
  const resend = useMutation(trpc.users.resendCode.mutationOptions());
  const channel = factor.type === 'email' ? 'email' : 'text message';

  const finish = async () => {
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6,8}$/.test(digits)) {
      setCodeError(`Enter the code from the ${channel}: 6 to 8 digits`);
      return;
    }
    setCodeError(null);
    try {
      await confirm.mutateAsync({ username, factorId: factor.id, code: digits });
      onConfirmed();
    } catch (err) {
      const r = refusalOf(err);
      // The server's wording is about device clocks; a sent code has none.
      setCodeError(r.code === 'invalid_code' ? `That is not the code we sent; check the latest ${channel}, or resend the code` : (r.fields.code ?? r.message));
      setCode('');
    }
  };

  const sendAgain = async () => {
    setRefusal(null);
    try {
      const sent = await resend.mutateAsync({ username, factorId: factor.id });
      if (sent.sent) {
        setDestination(sent.destination);
        notifications.show({ color: 'teal', title: 'Code sent again', message: `A new code went to ${sent.destination}. The earlier one no longer works.` });
      }
    } catch (err) {
      const r = refusalOf(err);
      setRefusal(r);
      if (r.retryAfterSeconds !== null) setWaitUntil(Date.now() + r.retryAfterSeconds * 1000);
    }
  };

  return (
    <ModalForm onSubmit={finish} onCancel={onCancel} cancelLabel="Finish later" actionLabel="Confirm" busy={confirm.isPending}>
      <Text size="sm">
        {intro === 'sent' ? 'We sent a code to ' : 'A code was sent to '}
        <b data-testid="sent-destination">{destination}</b>
        {intro === 'sent' ? ' — type the code the user received.' : ' when it was enrolled — type the code the user received, or send a new one.'}
      </Text>
      <CodeInput label={`Code from the ${channel}`} value={code} onChange={(e) => setCode(e.currentTarget.value)} error={codeError} data-autofocus />
      <RefusalAlert refusal={refusal} />
      <Group gap="xs">
        <Button variant="subtle" size="xs" onClick={() => void sendAgain()} loading={resend.isPending} disabled={wait > 0}>
          {wait > 0 ? `Resend code (wait ${formatSeconds(wait)})` : 'Resend code'}
        </Button>
        <Text size="xs" c="dimmed">
          The factor stays pending until the code is typed here.
        </Text>
      </Group>
    </ModalForm>
  );
}
