import { Badge, Button, Group, Loader, Paper, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { AuditEntry } from '../../../../shared/schemas/audit';
import { WEBAUTHN_REASONS } from '../../../../shared/schemas/webauthn';
import { useTRPC, useTRPCClient } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { ErrorState } from '../common/States';

const ACTIONS: Record<string, string> = {
  verify: 'Code checked',
  'user.create': 'User created',
  'user.delete': 'User deleted',
  'user.unlock': 'Unlocked',
  'user.reset': 'Lost device reset',
  'factor.enroll': 'Factor enrolled (pending)',
  'factor.confirm': 'Factor confirmed',
  'factor.delete': 'Factor removed',
  'factor.resync': 'HOTP token resynchronised',
  'factor.expire': 'Pending factor expired',
  'recovery.issue': 'Recovery codes issued',
  'sheet.issue': 'Enrollment sheet printed',
  'factor.rename': 'Factor renamed',
  'webauthn.register': 'Security key registered',
  'webauthn.authenticate': 'Security key used',
  'webauthn.challenge': 'Security key prompt issued',
};
const OUTCOME_COLOR = { success: 'teal', failure: 'red', denied: 'orange' } as const;
const REASONS: Record<string, string> = {
  invalid_code: 'wrong code',
  no_factor: 'no active factor',
  locked_out: 'wrong code, now locked',
  throttled: 'throttled',
  locked: 'locked',
};

function actorText(e: AuditEntry): string {
  if (e.actor.kind === 'operator') return e.actor.name ?? 'operator';
  if (e.actor.kind === 'apikey') return `API: ${e.actor.name ?? 'key'}`;
  return e.actor.name ?? 'Tessera';
}

/** The reason an operator typed, or a short reading of a verify's outcome. */
function detailText(e: AuditEntry): string {
  if (!e.reason) return '';
  if (e.action === 'verify' || e.action.startsWith('factor.')) return REASONS[e.reason] ?? e.reason;
  // WebAuthn refusals carry a stable code with a sentence of its own.
  if (e.action.startsWith('webauthn.')) return (WEBAUTHN_REASONS as Record<string, string>)[e.reason] ?? e.reason;
  return e.reason;
}

/** The user's own audit trail, newest first, 25 at a time. */
export function UserActivity({ username }: { username: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  // Pages by hand: tRPC's infiniteQueryOptions adds a `direction` field that the strict input schema refuses.
  const trail = useInfiniteQuery({
    queryKey: [...trpc.audit.forUser.queryKey({ username, limit: 25 }), 'pages'],
    queryFn: ({ pageParam, signal }) => client.audit.forUser.query({ username, limit: 25, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = trail.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Paper withBorder radius="md" p="md">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Activity
        </Title>
        <Text size="xs" c="dimmed">
          From the audit log, newest first
        </Text>
      </Group>
      {trail.isError ? (
        <ErrorState error={trail.error} title="Could not load the activity" onRetry={() => void trail.refetch()} />
      ) : trail.isPending ? (
        <Group justify="center" py="md">
          <Loader size="sm" aria-label="Loading activity" />
        </Group>
      ) : entries.length === 0 ? (
        <Text size="sm" c="dimmed" py="md" ta="center">
          Nothing recorded for this user yet.
        </Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing={6} fz="sm" data-testid="user-activity">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={170}>When</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th w={100}>Outcome</Table.Th>
                  <Table.Th>By</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e) => (
                  <Table.Tr key={e.seq}>
                    <Table.Td title={e.at}>{formatDateTime(e.at)}</Table.Td>
                    <Table.Td>{ACTIONS[e.action] ?? e.action}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" color={OUTCOME_COLOR[e.outcome]}>
                        {e.outcome}
                      </Badge>
                    </Table.Td>
                    <Table.Td className="break-anywhere">{actorText(e)}</Table.Td>
                    <Table.Td className="break-anywhere">{detailText(e)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {trail.hasNextPage && (
            <Group justify="center" mt="sm">
              <Button variant="subtle" size="xs" onClick={() => void trail.fetchNextPage()} loading={trail.isFetchingNextPage}>
                Show older entries
              </Button>
            </Group>
          )}
        </>
      )}
    </Paper>
  );
}
