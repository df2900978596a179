import { Alert, Badge, Button, Card, Checkbox, Code, Group, Progress, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { type LastSyncView, SyncResult, type SyncPlanView } from '../../../../shared/schemas/directory';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatDateTime, formatNumber, plural } from '../../lib/format';
import { useJobPoll } from '../../lib/useJobPoll';
import './directory.css';

const WHY: Record<string, string> = { removed_from_directory: 'Gone from the directory', disabled_in_directory: 'Disabled in the directory' };
const FIELD: Record<string, string> = {
  displayName: 'Display name',
  email: 'Email',
  phone: 'Phone',
  directoryDn: 'Entry (DN)',
  groups: 'Groups',
  source: 'Source',
};

/** The lists of a dry run, one tab each. */
function PlanLists({ plan }: { plan: SyncPlanView }) {
  const first = plan.counts.disable > 0 ? 'disable' : plan.counts.add > 0 ? 'add' : plan.counts.update > 0 ? 'update' : 'reEnable';
  return (
    <Tabs defaultValue={first} keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="add">Added {formatNumber(plan.counts.add)}</Tabs.Tab>
        <Tabs.Tab value="update">Updated {formatNumber(plan.counts.update)}</Tabs.Tab>
        <Tabs.Tab value="disable">Disabled {formatNumber(plan.counts.disable)}</Tabs.Tab>
        <Tabs.Tab value="reEnable">Re-enabled {formatNumber(plan.counts.reEnable)}</Tabs.Tab>
        {plan.skipped.length > 0 && <Tabs.Tab value="skipped">Skipped {formatNumber(plan.counts.skipped)}</Tabs.Tab>}
      </Tabs.List>
      <div className="directory-plan-list">
        <Tabs.Panel value="add" pt="xs">
          <Rows
            empty="Nobody new."
            head={['Username', 'Display name', 'Email']}
            rows={plan.add.map((a) => [a.username, a.displayName ?? '—', a.email ?? '—'])}
          />
        </Tabs.Panel>
        <Tabs.Panel value="update" pt="xs">
          <Rows
            empty="No changes to existing users."
            head={['Username', 'Changes']}
            rows={plan.update.map((u) => [u.username, u.changes.map((c) => `${FIELD[c.field] ?? c.field}: ${c.from ?? '—'} → ${c.to ?? '—'}`).join('; ')])}
          />
        </Tabs.Panel>
        <Tabs.Panel value="disable" pt="xs">
          <Rows empty="Nobody is disabled." head={['Username', 'Why']} rows={plan.disable.map((d) => [d.username, WHY[d.why] ?? d.why])} />
        </Tabs.Panel>
        <Tabs.Panel value="reEnable" pt="xs">
          <Rows empty="Nobody is re-enabled." head={['Username']} rows={plan.reEnable.map((r) => [r.username])} />
        </Tabs.Panel>
        <Tabs.Panel value="skipped" pt="xs">
          <Rows empty="" head={['Entry', 'Why']} rows={plan.skipped.map((s) => [s.dn, s.reason])} />
        </Tabs.Panel>
      </div>
      {plan.truncated && (
        <Text size="xs" c="dimmed" mt="xs">
          Each list shows at most 500 names; the counts are whole.
        </Text>
      )}
    </Tabs>
  );
}

function Rows({ head, rows, empty }: { head: string[]; rows: string[][]; empty: string }) {
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed" py="sm">
        {empty}
      </Text>
    );
  return (
    <Table striped layout="fixed" stickyHeader>
      <Table.Thead>
        <Table.Tr>
          {head.map((h) => (
            <Table.Th key={h}>{h}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r[0]}>
            {r.map((c, i) => (
              <Table.Td key={i} className="truncate" title={c}>
                {c}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function CountBadges({ counts }: { counts: SyncPlanView['counts'] }) {
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color="teal" variant="light">
        {formatNumber(counts.add)} added
      </Badge>
      <Badge color="blue" variant="light">
        {formatNumber(counts.update)} updated
      </Badge>
      <Badge color="red" variant="light">
        {formatNumber(counts.disable)} disabled
      </Badge>
      <Badge color="grape" variant="light">
        {formatNumber(counts.reEnable)} re-enabled
      </Badge>
      <Badge color="gray" variant="light">
        {formatNumber(counts.unchanged)} unchanged
      </Badge>
      {counts.skipped > 0 && (
        <Badge color="orange" variant="light">
          {formatNumber(counts.skipped)} skipped
        </Badge>
      )}
    </Group>
  );
}

function LastSync({ last }: { last: LastSyncView | null }) {
  if (!last)
    return (
      <Text size="sm" c="dimmed">
        No sync has run yet.
      </Text>
    );
  return (
    <Text size="sm" c={last.ok ? undefined : 'red.8'} data-testid="directory-last-sync">
      Last sync {formatDateTime(last.at)} by {last.by}:{' '}
      {last.ok && last.counts
        ? `${formatNumber(last.counts.add)} added, ${formatNumber(last.counts.update)} updated, ${formatNumber(last.counts.disable)} disabled, ${formatNumber(last.counts.reEnable)} re-enabled`
        : (last.error ?? 'stopped')}
    </Text>
  );
}

/**
 * Preview (a dry run: nothing changes) and Apply (a server job, with progress
 * and Cancel). When the mass-disable guard would stop the sync, Apply asks
 * for an explicit confirmation first. Admins only run them; others see the last sync.
 */
export function SyncPanel({ configured, canEdit, lastSync }: { configured: boolean; canEdit: boolean; lastSync: LastSyncView | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const plan = useMutation(trpc.directory.planSync.mutationOptions());
  const apply = useMutation(trpc.directory.applySync.mutationOptions());
  const [jobId, setJobId] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const job = useJobPoll(jobId, 400);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void job.refetch() }));
  const finished = job.data && job.data.state !== 'running' ? job.data : null;
  const result = finished ? SyncResult.safeParse(finished.result) : null;
  const running = jobId !== null && !finished;
  // The guard: from the dry run, or from a sync that stopped on it.
  const guardStop = finished?.state === 'failed' && /guard/i.test(finished.message ?? '');
  const needsConfirm = plan.data?.guard.exceeded === true || guardStop;

  useEffect(() => {
    if (finished) {
      void queryClient.invalidateQueries(trpc.users.list.pathFilter());
      void queryClient.invalidateQueries({ queryKey: trpc.directory.get.queryKey() });
    }
  }, [finished, queryClient, trpc]);

  const start = async () => {
    setJobId(null);
    try {
      const started = await apply.mutateAsync({ confirm: needsConfirm && confirmed });
      setJobId(started.id);
      setConfirmed(false);
    } catch {
      // apply.error says why
    }
  };

  const status = job.data;
  const pct = status && status.total > 0 ? Math.round((status.done / status.total) * 100) : 0;

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="directory-sync-title">
      <Stack gap="md">
        <Title order={3} id="directory-sync-title" size="h4">
          Sync
        </Title>
        <LastSync last={lastSync} />
        {!configured ? (
          <Text size="sm" c="dimmed">
            Save a connection first.
          </Text>
        ) : (
          canEdit && (
            <Group>
              <Button variant="default" onClick={() => plan.mutate()} loading={plan.isPending} disabled={running}>
                Preview sync
              </Button>
              <Text size="xs" c="dimmed">
                Reads the directory and lists what a sync would change; changes nothing.
              </Text>
            </Group>
          )
        )}
        {plan.error && (
          <Alert color="red" variant="light" role="alert" title="The preview did not run">
            {errorMessage(plan.error)}
          </Alert>
        )}
        {plan.data && (
          <Stack gap="sm" data-testid="directory-plan">
            <Text size="sm" fw={500}>
              The directory has {plural(plan.data.searched, 'entry', 'entries')} the filter finds. A sync now would change:
            </Text>
            <CountBadges counts={plan.data.counts} />
            <PlanLists plan={plan.data} />
            {plan.data.roles.length > 0 && <Text size="sm">Operator roles: {plan.data.roles.map((r) => `${r.operator} ${r.from} → ${r.to}`).join(', ')}</Text>}
            {plan.data.operatorsDisabled.length > 0 && (
              <Text size="sm" c="red" data-testid="directory-plan-operators">
                Operator accounts disabled with their person (left or disabled in the directory):{' '}
                {plan.data.operatorsDisabled.map((o) => o.operator).join(', ')}
              </Text>
            )}
          </Stack>
        )}
        {needsConfirm && !running && (
          <Alert color="orange" variant="light" title="The mass-disable guard stops this sync" role="alert" data-testid="directory-guard">
            <Stack gap="xs">
              <Text size="sm">
                {guardStop
                  ? finished?.message
                  : `It would disable ${plural(plan.data!.guard.wouldDisable, 'user')} of ${formatNumber(plan.data!.guard.directoryUsers)} (${plan.data!.guard.percent} %), more than the ${plan.data!.guard.limitPercent} % guard. A failed or partial search can look like this: check the list above.`}
              </Text>
              <Checkbox checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} label="I have checked the list: disable these users" />
            </Stack>
          </Alert>
        )}
        {canEdit && configured && !running && (plan.data || guardStop) && (
          <Group>
            <Button onClick={() => void start()} loading={apply.isPending} disabled={needsConfirm && !confirmed} color={needsConfirm ? 'red' : undefined}>
              Apply sync
            </Button>
          </Group>
        )}
        {apply.error && (
          <Alert color="red" variant="light" role="alert" title="The sync did not start">
            {errorMessage(apply.error)}
          </Alert>
        )}
        {running && (
          <Stack gap="xs" data-testid="directory-progress">
            <Progress value={pct} size="lg" striped animated aria-label="Sync progress" />
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                {status?.message ?? 'Starting…'}
                {status && status.total > 0 ? ` — ${formatNumber(status.done)} of ${formatNumber(status.total)}` : ''}
              </Text>
              <Button color="red" variant="light" onClick={() => jobId && cancel.mutate({ id: jobId })} loading={cancel.isPending}>
                Cancel sync
              </Button>
            </Group>
          </Stack>
        )}
        {finished && !guardStop && (
          <Alert
            color={finished.state === 'done' ? 'teal' : finished.state === 'cancelled' ? 'orange' : 'red'}
            variant="light"
            role="status"
            title={finished.state === 'done' ? 'Sync finished' : finished.state === 'cancelled' ? 'Sync cancelled' : 'Sync failed'}
            data-testid="directory-summary"
          >
            {result?.success ? (
              <Stack gap={6}>
                <CountBadges counts={result.data.counts} />
                {result.data.rolesChanged > 0 && <Text size="sm">{plural(result.data.rolesChanged, 'operator role')} changed.</Text>}
                {result.data.operatorsDisabled > 0 && (
                  <Text size="sm">{plural(result.data.operatorsDisabled, 'operator account')} disabled with their person.</Text>
                )}
                {result.data.cancelled && <Text size="sm">{plural(result.data.notAttempted, 'change')} not made because of the cancel.</Text>}
                <Text size="xs" c="dimmed">
                  Every change is in the audit log. <Code>Users</Code> shows who came from the directory.
                </Text>
              </Stack>
            ) : (
              <Text size="sm">{finished.message ?? 'The sync stopped; nothing was changed.'}</Text>
            )}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}
