import { Alert, Anchor, Text } from '@mantine/core';
import { TRPCClientError } from '@trpc/client';
import { Link } from 'react-router';
import { errorMessage } from '../../api/trpc';
import { useCan } from '../../lib/session';

/**
 * What the server said when a code could not be sent or checked, read from
 * the tRPC error's data: its stable code, the wait it asks for, and the
 * message per field (the last part of the path: `changes.phone` → `phone`).
 */
export interface Refusal {
  code: string | null;
  message: string;
  retryAfterSeconds: number | null;
  fields: Record<string, string>;
}

export function refusalOf(err: unknown): Refusal {
  const data =
    err instanceof TRPCClientError
      ? (err.data as { tesseraCode?: string; retryAfterSeconds?: number | null; fields?: { path: string; message: string }[] | null } | undefined)
      : undefined;
  const fields: Record<string, string> = {};
  for (const f of data?.fields ?? []) fields[f.path.split('.').at(-1) ?? f.path] ??= f.message;
  return { code: data?.tesseraCode ?? null, message: errorMessage(err), retryAfterSeconds: data?.retryAfterSeconds ?? null, fields };
}

const TITLES: Record<string, string> = {
  delivery_unconfigured: 'Sending is not set up',
  delivery_failed: 'The code was not delivered',
  throttled: 'Too many codes sent',
  method_disabled: 'This method is turned off',
};

/**
 * A refused send or check in words. "Not set up" and "turned off" say that
 * an admin fixes it under Methods & settings (a link for admins, who can).
 */
export function RefusalAlert({ refusal }: { refusal: Refusal | null }) {
  const canAdmin = useCan('admin');
  if (!refusal) return null;
  const settingsIssue = refusal.code === 'delivery_unconfigured' || refusal.code === 'method_disabled';
  return (
    <Alert color={refusal.code === 'throttled' ? 'orange' : 'red'} variant="light" role="alert" title={(refusal.code && TITLES[refusal.code]) ?? undefined}>
      <Text size="sm">{refusal.message}</Text>
      {settingsIssue &&
        (canAdmin ? (
          <Anchor component={Link} to="/settings" size="sm">
            Open Methods & settings
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            Ask an admin to set it up under Methods & settings.
          </Text>
        ))}
    </Alert>
  );
}
