import { Badge, Button, Group, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RadiusClientView } from '../../../shared/schemas/radius';
import { useTRPC } from '../api/trpc';
import { IconPlus, IconShield } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ScrollTable } from '../components/common/ScrollTable';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';
import { ListenerCard } from '../components/radius/ListenerCard';
import { MODE_TEXT } from '../components/radius/modes';
import { RadiusClientModal } from '../components/radius/RadiusClientModal';
import { ConfirmModal } from '../components/settings/ConfirmModal';
import { formatAgo } from '../lib/format';
import { useCan } from '../lib/session';

/** RADIUS: the listener (on or off, where, what it dropped) and the clients (NAS) allowed to ask; admins add, edit and remove them. */
export function RadiusPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan('admin');
  const list = useQuery(trpc.radius.list.queryOptions());
  // Counters move with every packet: refreshed while the page is open.
  const status = useQuery({ ...trpc.radius.status.queryOptions(), refetchInterval: 5000 });
  const [editing, setEditing] = useState<RadiusClientView | null>(null);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<RadiusClientView | null>(null);

  const remove = useMutation(
    trpc.radius.remove.mutationOptions({
      onSuccess: async (c) => {
        notifications.show({ color: 'gray', title: `${c.name} removed`, message: 'Its requests are dropped from now on.' });
        setRemoving(null);
        await queryClient.invalidateQueries({ queryKey: trpc.radius.list.queryKey() });
      },
    }),
  );

  const clients = list.data ?? [];
  const lastRequest = status.data?.lastRequestAt ?? {};
  const addButton = canChange && (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
      New RADIUS client
    </Button>
  );

  return (
    <>
      <PageHeader
        title="RADIUS"
        description="VPNs, firewalls and Wi-Fi controllers (NAS) that ask Tessera over RADIUS, each with its own address, shared secret and mode."
        actions={clients.length > 0 ? addButton : null}
      />
      <Stack gap="md">
        {status.data && <ListenerCard status={status.data} />}
        {list.isPending ? (
          <PageLoader label="Loading RADIUS clients" />
        ) : list.isError ? (
          <ErrorState error={list.error} title="Could not load the RADIUS clients" onRetry={() => void list.refetch()} />
        ) : clients.length === 0 ? (
          <Paper withBorder radius="md">
            <NothingHere
              icon={<IconShield size={28} />}
              title="No RADIUS clients yet"
              description={
                canChange
                  ? 'Add each VPN, firewall or Wi-Fi controller with the address its requests come from and a shared secret. Requests from anywhere else are dropped.'
                  : 'No NAS may ask yet. An administrator can add one.'
              }
            >
              {addButton}
            </NothingHere>
          </Paper>
        ) : (
          <Paper withBorder radius="md">
            <ScrollTable
              minWidth={900}
              verticalSpacing="sm"
              horizontalSpacing="md"
              highlightOnHover
              aria-label="RADIUS clients"
              actions={canChange}
              actionsWidth={150}
              head={
                <>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={200}>Address</Table.Th>
                  <Table.Th w={160}>Mode</Table.Th>
                  <Table.Th w={190}>Message-Authenticator</Table.Th>
                  <Table.Th w={140}>Last request</Table.Th>
                </>
              }
            >
              {clients.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {c.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text span className="mono" size="sm">
                      {c.address}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={MODE_TEXT[c.mode].description} multiline w={300} withArrow>
                      <Badge variant="light" color={c.mode === 'password_code' ? 'grape' : c.mode === 'challenge' ? 'orange' : 'blue'} tabIndex={0}>
                        {MODE_TEXT[c.mode].label}
                      </Badge>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    {c.requireMessageAuthenticator ? (
                      <Badge color="green" variant="light">
                        Required
                      </Badge>
                    ) : (
                      <Badge color="yellow" variant="light">
                        Not required
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" title={lastRequest[c.id]}>
                      {lastRequest[c.id] ? formatAgo(lastRequest[c.id]) : 'None yet'}
                    </Text>
                  </Table.Td>
                  {canChange && (
                    <Table.Td ta="right">
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            remove.reset();
                            setRemoving(c);
                          }}
                          aria-label={`Remove ${c.name}`}
                        >
                          Remove
                        </Button>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </ScrollTable>
          </Paper>
        )}
      </Stack>

      {canChange && (
        <RadiusClientModal
          opened={adding || editing !== null}
          editing={editing}
          onClose={() => {
            setAdding(false);
            setEditing(null);
          }}
        />
      )}
      <ConfirmModal
        opened={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove client"
        danger
        loading={remove.isPending}
        error={remove.error}
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ id: removing.id })}
      >
        <Text size="sm">
          Requests from <span className="mono">{removing?.address}</span> are dropped at once: users behind this NAS cannot sign in until it is added again
          (with a new shared secret).
        </Text>
      </ConfirmModal>
    </>
  );
}
