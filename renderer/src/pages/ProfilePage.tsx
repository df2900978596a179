import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ROLE_LABELS } from '../../../shared/schemas/operators';
import type { OperatorKeyView } from '../../../shared/schemas/webauthn';
import { useTRPC } from '../api/trpc';
import { IconKey, IconPlus } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';
import { AddSecurityKeyModal, RemoveSecurityKeyModal } from '../components/profile/SecurityKeyModals';
import { ChangePasswordModal } from '../components/profile/ChangePasswordModal';
import { formatAgo, formatDate } from '../lib/format';
import { useOperator } from '../lib/session';
import { keysUnavailableReason } from '../lib/webauthn';
import { ScrollTable } from '../components/common/ScrollTable';

/** The signed-in operator's own account: who they are, and their security keys and passkeys for signing in. */
export function ProfilePage() {
  const me = useOperator();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.profile.webauthn.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [changingPassword, setChangingPassword] = useState(false);
  const [removing, setRemoving] = useState<OperatorKeyView | null>(null);
  const unavailable = keysUnavailableReason();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.profile.webauthn.list.queryKey() });

  return (
    <>
      <PageHeader title="Your profile" description="Your account, and the ways you sign in to this console." />
      <Stack gap="md">
        <Paper withBorder p="lg" radius="md">
          <Title order={3} size="h4" mb="sm">
            Account
          </Title>
          <Table variant="vertical" layout="fixed" withRowBorders={false} maw={520}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={140}>Username</Table.Th>
                <Table.Td className="break-anywhere">{me.username}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Td className="break-anywhere">{me.displayName ?? '—'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                <Table.Td>{ROLE_LABELS[me.role]}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>

        <Paper component="section" withBorder p="lg" radius="md" aria-labelledby="password-title">
          <Group justify="space-between" align="flex-start" mb="xs" wrap="wrap">
            <Title order={3} size="h4" id="password-title">
              Password
            </Title>
            <Button variant="default" onClick={() => setChangingPassword(true)}>
              Change password
            </Button>
          </Group>
          <Text size="sm" c="dimmed" maw={720}>
            {me.passwordChangedAt ? `Last changed ${formatDate(me.passwordChangedAt)}. ` : ''}
            Changing it signs you out everywhere else; this session stays. Forgot it? Sign out and use “Forgot your password?” on the sign-in page.
          </Text>
        </Paper>

        <Paper withBorder p="lg" radius="md" aria-labelledby="keys-title">
          <Group justify="space-between" align="flex-start" mb="xs" wrap="wrap">
            <Title order={3} size="h4" id="keys-title">
              Security keys and passkeys
            </Title>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} disabled={unavailable !== null}>
              Add a security key
            </Button>
          </Group>
          <Text size="sm" c="dimmed" mb="md" maw={720}>
            After your password, touch a security key or use a passkey instead of typing a code from your authenticator app. Your authenticator app keeps
            working. Keys added here work when the console is opened at <strong>{window.location.host}</strong>.
          </Text>
          {unavailable && (
            <Alert color="orange" variant="light" mb="md" role="status">
              {unavailable}
            </Alert>
          )}
          {keys.isPending ? (
            <PageLoader label="Loading your keys" />
          ) : keys.isError ? (
            <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />
          ) : keys.data.length === 0 ? (
            <NothingHere icon={<IconKey size={22} />} title="No security keys yet" description="Add one to sign in with a touch instead of a code." />
          ) : (
            <ScrollTable
              minWidth={560}
              verticalSpacing="sm"
              aria-label="Your security keys and passkeys"
              actions
              head={
                <>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th>Last used</Table.Th>
                </>
              }
            >
              {keys.data.map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Text size="sm" fw={500} className="break-anywhere">
                        {k.label}
                      </Text>
                      {k.flagged && (
                        <Tooltip label="Its signature counter went backwards: it may have been copied. It is refused until you remove it." multiline w={260}>
                          <Badge color="red" variant="light">
                            Refused: possible copy
                          </Badge>
                        </Tooltip>
                      )}
                      {k.backedUp && (
                        <Badge color="gray" variant="light">
                          Synced passkey
                        </Badge>
                      )}
                    </Group>
                    {k.rpId !== window.location.hostname && (
                      <Text size="xs" c="dimmed">
                        For {k.rpId}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{k.model}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDate(k.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{k.lastUsedAt ? formatAgo(k.lastUsedAt) : 'Never'}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(k)} aria-label={`Remove ${k.label}`}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </ScrollTable>
          )}
        </Paper>
      </Stack>

      <AddSecurityKeyModal
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(k) => {
          notifications.show({ color: 'green', title: 'Security key added', message: `“${k.label}” can now be used to sign in.` });
          void refresh();
        }}
      />
      <ChangePasswordModal opened={changingPassword} username={me.username} onClose={() => setChangingPassword(false)} />
      <RemoveSecurityKeyModal
        keyToRemove={removing}
        onClose={() => setRemoving(null)}
        onRemoved={() => {
          notifications.show({ color: 'green', title: 'Security key removed', message: 'The change is in the audit log.' });
          void refresh();
        }}
      />
    </>
  );
}
