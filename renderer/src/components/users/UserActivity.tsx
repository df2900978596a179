import { Badge, Button, Group, Loader, Paper, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { AuditEntry } from '../../../../shared/schemas/audit';
import { auditActionLabel, auditReasonText } from '../../../../shared/auditActions';
import { useTRPC, useTRPCClient } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { ErrorState } from '../common/States';
import { SectionHeader } from '../common/SectionHeader';

const OUTCOME_COLOR = { success: 'teal', failure: 'red', denied: 'orange' } as const;

function actorText(e: AuditEntry): string {
  if (e.actor.kind === 'operator') return e.actor.name ?? 'operator';
  if (e.actor.kind === 'apikey') return `API: ${e.actor.name ?? 'key'}`;
  return e.actor.name ?? 'Tessera';
}

/** The reason an operator typed, or a reason code in words (shared/auditActions); a send that failed adds what the transport said. */
function detailText(e: AuditEntry): string {
  const reason = e.reason ? auditReasonText(e.action, e.reason) : '';
  const error = e.action === 'code.send' && typeof e.details?.error === 'string' ? e.details.error : '';
  return error ? `${reason}: ${error}` : reason;
}

const CHANNELS: Record<string, string> = { email: 'Email', sms: 'Text message' };
const PURPOSES: Record<string, string> = { confirm: 'to confirm the factor', challenge: 'to sign in' };

/** A code send's channel, masked destination and purpose ("Email to a•••@example.org, to sign in"), from its audit details. */
export function deliveryText(e: AuditEntry): string | null {
  if (e.action !== 'code.send' || !e.details) return null;
  const { channel, destination, purpose } = e.details;
  const parts = [typeof channel === 'string' ? (CHANNELS[channel] ?? channel) : 'Code'];
  if (typeof destination === 'string') parts.push(`to ${destination}`);
  const line = parts.join(' ');
  return typeof purpose === 'string' && PURPOSES[purpose] ? `${line}, ${PURPOSES[purpose]}` : line;
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
      <SectionHeader title="Activity" note="From the audit log, newest first" />
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
                    <Table.Td>
                      {auditActionLabel(e.action)}
                      {deliveryText(e) && (
                        <Text size="xs" c="dimmed" className="break-anywhere">
                          {deliveryText(e)}
                        </Text>
                      )}
                    </Table.Td>
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
