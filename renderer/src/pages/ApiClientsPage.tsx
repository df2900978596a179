import { Badge, Button, Group, Paper, Stack, Switch, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiKeyView } from '../../../shared/schemas/apiKeys';
import { useTRPC } from '../api/trpc';
import { CreateApiClientModal } from '../components/apiClients/CreateApiClientModal';
import { SCOPE_TEXT } from '../components/apiClients/scopes';
import { WebauthnRpButton } from '../components/apiClients/WebauthnRpEditor';
import '../components/apiClients/apiClients.css';
import { IconKey, IconPlus } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';
import { ConfirmModal } from '../components/settings/ConfirmModal';
import { formatAgo, formatDateTime } from '../lib/format';
import { useCan } from '../lib/session';
import { ScrollTable } from '../components/common/ScrollTable';

/** Applications' API keys: who has one, what it may do, when it was last used; admins create and revoke. */
export function ApiClientsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan('admin');
  const list = useQuery(trpc.apiKeys.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);

  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: async (key) => {
        notifications.show({ color: 'gray', title: `${key.name} revoked`, message: 'Requests with its key are refused from now on.' });
        setRevoking(null);
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
      },
    }),
  );

  const all = list.data ?? [];
  const revokedCount = all.filter((k) => k.revokedAt).length;
  const rows = all.filter((k) => showRevoked || !k.revokedAt).sort((a, b) => Number(!!a.revokedAt) - Number(!!b.revokedAt) || a.name.localeCompare(b.name));
  const newButton = canChange && (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      New API client
    </Button>
  );

  return (
    <>
      <PageHeader
        title="API clients"
        description="Applications that call Tessera’s REST API, each with its own key and scopes."
        actions={
          <>
            {/* Served by Tessera (server/api/apiDocs): the OpenAPI document, drawn, with "Try it". */}
            <Button component="a" href="/api-docs" variant="default">
              API docs
            </Button>
            {all.length > 0 ? newButton : null}
          </>
        }
      />
      {list.isPending ? (
        <PageLoader label="Loading API clients" />
      ) : list.isError ? (
        <ErrorState error={list.error} title="Could not load the API clients" onRetry={() => void list.refetch()} />
      ) : all.length === 0 ? (
        <Paper withBorder radius="md">
          <NothingHere
            icon={<IconKey size={28} />}
            title="No API clients yet"
            description={
              canChange
                ? 'An application needs a key to check its users’ codes. Create one for each application, with only the scopes it needs.'
                : 'No application has a key yet. An administrator can create one.'
            }
          >
            {newButton}
          </NothingHere>
        </Paper>
      ) : (
        <Stack gap="sm">
          {revokedCount > 0 && (
            <Switch label={`Show revoked keys (${revokedCount})`} checked={showRevoked} onChange={(e) => setShowRevoked(e.currentTarget.checked)} />
          )}
          <Paper withBorder radius="md">
            <ScrollTable
              minWidth={980}
              verticalSpacing="sm"
              horizontalSpacing="md"
              highlightOnHover
              aria-label="API clients"
              actions={canChange}
              actionsWidth={90}
              head={
                <>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={140}>Key</Table.Th>
                  <Table.Th w={240}>Scopes</Table.Th>
                  <Table.Th w={170}>Created</Table.Th>
                  <Table.Th w={120}>Last used</Table.Th>
                  <Table.Th w={170}>Status</Table.Th>
                </>
              }
            >
              {rows.map((k) => (
                <Table.Tr key={k.id} className={k.revokedAt ? 'row-revoked' : undefined}>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {k.name}
                    </Text>
                    <WebauthnRpButton apiKey={k} />
                  </Table.Td>
                  <Table.Td>
                    <Text span className="mono" size="sm">
                      {k.prefix}…
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {k.scopes.map((s) => (
                        <Tooltip key={s} label={SCOPE_TEXT[s].description} multiline w={280} withArrow>
                          <Badge variant="light" color={s === 'provision' ? 'orange' : s === 'audit' ? 'grape' : 'blue'} tabIndex={0}>
                            {s}
                          </Badge>
                        </Tooltip>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(k.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" title={k.lastUsedAt ?? undefined}>
                      {formatAgo(k.lastUsedAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {k.revokedAt ? (
                      <Badge color="gray" variant="light">
                        Revoked {formatAgo(k.revokedAt)}
                      </Badge>
                    ) : (
                      <Badge color="green" variant="light">
                        Active
                      </Badge>
                    )}
                  </Table.Td>
                  {canChange && (
                    <Table.Td ta="right">
                      {!k.revokedAt && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            revoke.reset();
                            setRevoking(k);
                          }}
                          aria-label={`Revoke ${k.name}`}
                        >
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </ScrollTable>
          </Paper>
        </Stack>
      )}

      {canChange && <CreateApiClientModal opened={creating} onClose={() => setCreating(false)} />}
      <ConfirmModal
        opened={revoking !== null}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke key"
        danger
        loading={revoke.isPending}
        error={revoke.error}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
      >
        <Text size="sm">
          Every request with the key <span className="mono">{revoking?.prefix}…</span> is refused at once. The application stops working until it is given a new
          key. This cannot be undone.
        </Text>
      </ConfirmModal>
    </>
  );
}
