import { Alert, Badge, Divider, Group, Paper, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { METHOD_TEXTS, relyText, type MethodText } from '../../../../shared/methodTexts';
import { isMethodAvailable, type Method } from '../../../../shared/schemas/methods';
import { useTRPC } from '../../api/trpc';
import { useMethodNames } from '../../lib/useMethodNames';
import { useCan } from '../../lib/session';
import { IconUsers } from '../common/icons';
import { ErrorState } from '../common/States';
import { ConfirmModal } from './ConfirmModal';

interface Usage {
  method: Method;
  label: string;
  enabled: boolean;
  users: number;
}

/** Why a method is weaker than the others (email, SMS); shown next to it whether it is on or off, and on its delivery card. */
export function MethodWarning({ method }: { method: Method }) {
  const warning = METHOD_TEXTS[method].warning;
  if (!warning) return null;
  return (
    <Alert color="yellow" variant="light" title={warning.title} mt="xs">
      {warning.text}
    </Alert>
  );
}

/**
 * The five methods, each with who relies on it, in the words of
 * shared/methodTexts.ts. Admins turn them on and off; turning one off (or a
 * weaker one on) first says what it affects. A method not built yet (email)
 * shows a switch that cannot be turned on and says why: it promises nothing.
 */
export function MethodsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan('admin');
  const methodName = useMethodNames();
  // The admin's names (Method names below) in place of the built-in ones.
  const usage = useQuery({
    ...trpc.settings.methodUsage.queryOptions(),
    select: (rows) => rows.map((m) => ({ ...m, builtIn: m.label, label: methodName(m.method, m.label) })),
  });
  const [pending, setPending] = useState<{ method: Usage; enable: boolean } | null>(null);

  const update = useMutation(
    trpc.settings.update.mutationOptions({
      onSuccess: async (_data, vars) => {
        const [method, on] = Object.entries(vars.methods ?? {})[0] ?? [];
        const label = usage.data?.find((m) => m.method === method)?.label ?? method;
        notifications.show({ color: on ? 'green' : 'gray', title: `${label} turned ${on ? 'on' : 'off'}`, message: 'The change is in the audit log.' });
        setPending(null);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.settings.methodUsage.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() }),
        ]);
      },
    }),
  );

  const toggle = (m: Usage, enable: boolean) => {
    update.reset();
    // Turning on is harmless, except a weaker method: both that and any turning off ask first.
    if (!enable || METHOD_TEXTS[m.method].warning) setPending({ method: m, enable });
    else update.mutate({ methods: { [m.method]: true } });
  };

  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="methods-title">
      <Stack gap={4} mb="md">
        <Title order={3} id="methods-title">
          Methods
        </Title>
        <Text size="sm" c="dimmed">
          A method that is off is neither enrolled nor accepted. Users keep their factors, which work again when it is turned back on.
        </Text>
      </Stack>
      {usage.isPending ? (
        <Stack gap="md">
          {[0, 1, 2, 3, 4].map((i) => (
            <Skeleton key={i} h={44} />
          ))}
        </Stack>
      ) : usage.isError ? (
        <ErrorState error={usage.error} title="Could not load the methods" onRetry={() => void usage.refetch()} />
      ) : (
        <Stack gap="sm">
          {usage.data.map((m, i) => (
            <Fragment key={m.method}>
              {i > 0 && <Divider />}
              <Group justify="space-between" align="flex-start" wrap="nowrap" gap="lg" data-testid={`method-${m.method}`}>
                <Stack gap={2} miw={0}>
                  <Group gap="xs">
                    <Text fw={600} id={`method-${m.method}-label`}>
                      {m.label}
                    </Text>
                    {m.label !== m.builtIn && (
                      <Text size="sm" c="dimmed">
                        {m.builtIn}
                      </Text>
                    )}
                    {METHOD_TEXTS[m.method].warning && (
                      <Badge color="yellow" variant="light" size="sm">
                        {METHOD_TEXTS[m.method].warning?.badge}
                      </Badge>
                    )}
                    {!isMethodAvailable(m.method) && (
                      <Badge color="gray" variant="light" size="sm">
                        Not available yet
                      </Badge>
                    )}
                  </Group>
                  <Text size="sm" c="dimmed">
                    {METHOD_TEXTS[m.method].description}
                  </Text>
                  {!isMethodAvailable(m.method) && (
                    <Text size="sm" fw={500} id={`method-${m.method}-unavailable`} data-testid={`method-${m.method}-unavailable`}>
                      {(METHOD_TEXTS[m.method] as MethodText).notAvailable}
                    </Text>
                  )}
                  <Group gap={6} mt={2} c={m.users > 0 ? 'dark' : 'dimmed'}>
                    <IconUsers size={16} />
                    <Text size="sm" fw={m.users > 0 ? 600 : 400} data-testid={`method-${m.method}-usage`}>
                      {relyText(m.users, m.method)}
                    </Text>
                  </Group>
                  <MethodWarning method={m.method} />
                </Stack>
                {canChange ? (
                  <Switch
                    className="method-state"
                    size="md"
                    checked={m.enabled}
                    onChange={(e) => toggle(m, e.currentTarget.checked)}
                    aria-labelledby={`method-${m.method}-label`}
                    aria-describedby={isMethodAvailable(m.method) ? undefined : `method-${m.method}-unavailable`}
                    label={m.enabled ? 'On' : 'Off'}
                    // Not built yet: it cannot be turned on (the server refuses too); one stored as on from before can still be turned off.
                    disabled={update.isPending || (!isMethodAvailable(m.method) && !m.enabled)}
                  />
                ) : (
                  <Badge
                    className="method-state"
                    color={m.enabled ? 'green' : 'gray'}
                    variant="light"
                    size="lg"
                    aria-label={`${m.label}: ${m.enabled ? 'on' : 'off'}`}
                  >
                    {m.enabled ? 'On' : 'Off'}
                  </Badge>
                )}
              </Group>
            </Fragment>
          ))}
        </Stack>
      )}
      {update.isError && !pending && (
        <Alert color="red" variant="light" mt="md" role="alert">
          {update.error.message}
        </Alert>
      )}

      <ConfirmModal
        opened={pending !== null}
        title={pending ? `Turn ${pending.enable ? 'on' : 'off'} ${pending.method.label}?` : ''}
        confirmLabel={pending?.enable ? `Turn on ${pending.method.label}` : 'Turn off'}
        danger={!pending?.enable}
        loading={update.isPending}
        error={update.error}
        onClose={() => setPending(null)}
        onConfirm={() => pending && update.mutate({ methods: { [pending.method.method]: pending.enable } })}
      >
        {pending && !pending.enable && (
          <Stack gap="xs">
            <Text fw={600} data-testid="confirm-affected">
              {relyText(pending.method.users, pending.method.method)}.
            </Text>
            <Text size="sm">While it is off: {METHOD_TEXTS[pending.method.method].offEffect}</Text>
            <Text size="sm">Users with no other method cannot pass a second-factor check until it is turned back on. Their factors are kept.</Text>
          </Stack>
        )}
        {pending?.enable && (
          <Stack gap="xs">
            <Text size="sm">{METHOD_TEXTS[pending.method.method].onEffect}</Text>
            <MethodWarning method={pending.method.method} />
          </Stack>
        )}
      </ConfirmModal>
    </Paper>
  );
}
