import { ActionIcon, Badge, Button, Group, Menu, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ROLE_LABELS, type OperatorView, type UpdateOperatorInput } from '../../../shared/schemas/operators';
import { useTRPC } from '../api/trpc';
import { IconPlus, IconUsers } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';
import { CreateOperatorModal } from '../components/operators/CreateOperatorModal';
import { EditOperatorModal } from '../components/operators/EditOperatorModal';
import { ResetPasswordModal } from '../components/operators/ResetPasswordModal';
import { ROLE_COLORS, STATUS_TEXT } from '../components/operators/roleText';
import { ConfirmModal } from '../components/settings/ConfirmModal';
import { formatDate } from '../lib/format';
import { useCan, useOperator } from '../lib/session';
import { ScrollTable } from '../components/common/ScrollTable';

type Pending = { kind: 'disable' | 'enable' | 'resetSecondFactor'; operator: OperatorView };

const CONFIRM: Record<Pending['kind'], { title: (o: OperatorView) => string; label: string; danger: boolean; body: (o: OperatorView) => string }> = {
  disable: {
    title: (o) => `Disable ${o.username}?`,
    label: 'Disable operator',
    danger: true,
    body: () => 'They are signed out everywhere at once and cannot sign in until an administrator enables them again.',
  },
  enable: {
    title: (o) => `Enable ${o.username}?`,
    label: 'Enable operator',
    danger: false,
    body: (o) => `They can sign in again with their password and authenticator app, as ${ROLE_LABELS[o.role]}.`,
  },
  resetSecondFactor: {
    title: (o) => `Reset ${o.username}’s second factor?`,
    label: 'Reset second factor',
    danger: true,
    body: () =>
      'Their authenticator app stops working for Tessera and they are signed out. At their next sign-in, after their password, they set up an authenticator app again. Use this when they have lost their phone.',
  },
};

function DotsIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
      <circle cx="5" cy="12" r="1.8" />
      <circle cx="12" cy="12" r="1.8" />
      <circle cx="19" cy="12" r="1.8" />
    </svg>
  );
}

/** Operators and their roles; admins add, change, disable and reset them. */
export function OperatorsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useOperator();
  const canChange = useCan('admin');
  const list = useQuery(trpc.operators.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<OperatorView | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [resettingPassword, setResettingPassword] = useState<OperatorView | null>(null);

  const update = useMutation(
    trpc.operators.update.mutationOptions({
      onSuccess: async (op, vars) => {
        const what = vars.resetSecondFactor ? 'second factor reset' : vars.status === 'disabled' ? 'disabled' : 'enabled';
        notifications.show({ color: 'green', title: `${op.username} ${what}`, message: 'The change is in the audit log.' });
        setPending(null);
        await queryClient.invalidateQueries({ queryKey: trpc.operators.list.queryKey() });
      },
    }),
  );

  const confirm = () => {
    if (!pending) return;
    const input: UpdateOperatorInput =
      pending.kind === 'resetSecondFactor'
        ? { id: pending.operator.id, resetSecondFactor: true }
        : { id: pending.operator.id, status: pending.kind === 'disable' ? 'disabled' : 'active' };
    update.mutate(input);
  };
  const ask = (kind: Pending['kind'], operator: OperatorView) => {
    update.reset();
    setPending({ kind, operator });
  };

  const operators = [...(list.data ?? [])].sort(
    (a, b) => Number(a.status === 'disabled') - Number(b.status === 'disabled') || a.username.localeCompare(b.username),
  );

  return (
    <>
      <PageHeader
        title="Operators"
        description="The people who run this console, and what their role lets them do."
        actions={
          canChange && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
              Add operator
            </Button>
          )
        }
      />
      {list.isPending ? (
        <PageLoader label="Loading operators" />
      ) : list.isError ? (
        <ErrorState error={list.error} title="Could not load the operators" onRetry={() => void list.refetch()} />
      ) : operators.length === 0 ? (
        <Paper withBorder radius="md">
          <NothingHere icon={<IconUsers size={28} />} title="No operators" description="Nobody can sign in to this console." />
        </Paper>
      ) : (
        <Stack gap="sm">
          <Paper withBorder radius="md">
            <ScrollTable
              minWidth={760}
              verticalSpacing="sm"
              horizontalSpacing="md"
              highlightOnHover
              aria-label="Operators"
              actions={canChange}
              head={
                <>
                  <Table.Th>Operator</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Added</Table.Th>
                </>
              }
            >
              {operators.map((o) => {
                const isSelf = o.id === me.id;
                const status = STATUS_TEXT[o.status];
                return (
                  <Table.Tr key={o.id} data-testid={`operator-${o.username}`}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Group gap={6}>
                          <Text fw={600} size="sm">
                            {o.displayName ?? o.username}
                          </Text>
                          {isSelf && (
                            <Badge size="xs" variant="outline">
                              You
                            </Badge>
                          )}
                        </Group>
                        {o.displayName && (
                          <Text size="xs" c="dimmed" className="mono">
                            {o.username}
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={ROLE_COLORS[o.role]} variant="light">
                        {ROLE_LABELS[o.role]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Tooltip label={status.hint} withArrow>
                          <Badge color={status.color} variant="dot" tabIndex={0}>
                            {status.label}
                          </Badge>
                        </Tooltip>
                        {o.mustChangePassword && (
                          <Tooltip
                            label={`Their password was set for them; they choose their own at next sign-in. It works until ${formatDate(o.temporaryPasswordExpiresAt)}.`}
                            withArrow
                            multiline
                            w={260}
                          >
                            <Badge color="orange" variant="light" tabIndex={0}>
                              Temporary password
                            </Badge>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDate(o.createdAt)}</Text>
                    </Table.Td>
                    {canChange && (
                      <Table.Td>
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="default" onClick={() => setEditing(o)} aria-label={`Edit ${o.username}`}>
                            Edit
                          </Button>
                          <Menu position="bottom-end" withinPortal shadow="md">
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" size="lg" aria-label={`More actions for ${o.username}`}>
                                <DotsIcon />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              {!isSelf && <Menu.Item onClick={() => setResettingPassword(o)}>Reset password…</Menu.Item>}
                              {isSelf && <Menu.Label>Your own password: on your profile</Menu.Label>}
                              {o.status !== 'pending' && <Menu.Item onClick={() => ask('resetSecondFactor', o)}>Reset second factor…</Menu.Item>}
                              {o.status === 'disabled' ? (
                                <Menu.Item onClick={() => ask('enable', o)}>Enable…</Menu.Item>
                              ) : (
                                !isSelf && (
                                  <Menu.Item color="red" onClick={() => ask('disable', o)}>
                                    Disable…
                                  </Menu.Item>
                                )
                              )}
                              {isSelf && o.status !== 'disabled' && <Menu.Label>You cannot disable yourself</Menu.Label>}
                            </Menu.Dropdown>
                          </Menu>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </ScrollTable>
          </Paper>
          <Text size="xs" c="dimmed">
            Every operator signs in with a password and their own authenticator app. A password set by an administrator is temporary: its owner replaces it at
            their next sign-in. There is always at least one active administrator.
          </Text>
        </Stack>
      )}

      {canChange && <CreateOperatorModal opened={adding} onClose={() => setAdding(false)} />}
      {canChange && editing && <EditOperatorModal operator={editing} isSelf={editing.id === me.id} onClose={() => setEditing(null)} />}
      {canChange && resettingPassword && <ResetPasswordModal operator={resettingPassword} onClose={() => setResettingPassword(null)} />}
      <ConfirmModal
        opened={pending !== null}
        title={pending ? CONFIRM[pending.kind].title(pending.operator) : ''}
        confirmLabel={pending ? CONFIRM[pending.kind].label : ''}
        danger={pending ? CONFIRM[pending.kind].danger : false}
        loading={update.isPending}
        error={update.error}
        onClose={() => setPending(null)}
        onConfirm={confirm}
      >
        <Text size="sm">{pending ? CONFIRM[pending.kind].body(pending.operator) : ''}</Text>
      </ConfirmModal>
    </>
  );
}
