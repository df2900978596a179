import { Button, Group, List, Paper, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { BULK_SKIP_REASONS, type BulkAction, type BulkUsersResult } from '../../../../shared/schemas/userBulk';
import { useTRPC } from '../../api/trpc';
import { plural } from '../../lib/format';
import { useCan } from '../../lib/session';
import { ReasonConfirmModal } from '../common/ReasonConfirmModal';
import { BulkSheetsModal } from './BulkSheetsModal';
import { resetConfirmText } from './usersListView';

const DONE: Record<BulkAction, string> = { disable: 'disabled', enable: 'enabled', reset: 'reset' };

/** Who was left alone and why, in words (at most a few names). */
function skippedText(result: BulkUsersResult): string {
  if (result.skipped.length === 0) return '';
  const byReason = new Map<string, string[]>();
  for (const s of result.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.username]);
  return ` Left as they were: ${[...byReason.entries()]
    .map(
      ([reason, names]) =>
        `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} (${BULK_SKIP_REASONS[reason as keyof typeof BULK_SKIP_REASONS]})`,
    )
    .join('; ')}.`;
}

/**
 * The bar over the users list while users are selected: reset lost devices
 * (helpdesk and admins, with a typed confirmation that says how many),
 * disable and enable (admins), print enrollment sheets (admins, the batch
 * job). The server checks the role and writes an audit entry per user and
 * one for the selection.
 */
export function BulkActions({ usernames, onClear }: { usernames: readonly string[]; onClear: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canAdmin = useCan('admin');
  const [open, setOpen] = useState<BulkAction | 'sheets' | null>(null);
  const mutations = {
    reset: useMutation(trpc.users.bulkReset.mutationOptions()),
    disable: useMutation(trpc.users.bulkDisable.mutationOptions()),
    enable: useMutation(trpc.users.bulkEnable.mutationOptions()),
  };
  const n = usernames.length;
  const who = plural(n, 'selected user');

  const run = async (action: BulkAction, reason: string) => {
    const result = await mutations[action].mutateAsync({ usernames: [...usernames], reason });
    await queryClient.invalidateQueries(trpc.users.pathFilter());
    notifications.show({
      color: result.skipped.length > 0 ? 'yellow' : 'teal',
      title: `${plural(result.changed.length, 'user')} ${DONE[action]}`,
      message: `${action === 'reset' ? `${plural(result.factorsRemoved, 'factor')} and ${plural(result.recoveryCodesRemoved, 'recovery code')} removed.` : ''}${skippedText(result)}`,
    });
    onClear();
  };

  return (
    <>
      <Paper withBorder radius="md" px="md" py={8} className="users-bulk" role="region" aria-label="Selected users">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" fw={500} data-testid="users-selected">
            {who}
          </Text>
          <Group gap="xs" wrap="wrap">
            <Button size="xs" color="red" variant="light" onClick={() => setOpen('reset')}>
              Reset lost device…
            </Button>
            {canAdmin && (
              <>
                <Button size="xs" variant="light" onClick={() => setOpen('sheets')}>
                  Print sheets…
                </Button>
                <Button size="xs" variant="light" color="gray" onClick={() => setOpen('disable')}>
                  Disable…
                </Button>
                <Button size="xs" variant="light" color="gray" onClick={() => setOpen('enable')}>
                  Enable…
                </Button>
              </>
            )}
            <Button size="xs" variant="subtle" onClick={onClear}>
              Clear selection
            </Button>
          </Group>
        </Group>
      </Paper>

      <ReasonConfirmModal
        opened={open === 'reset'}
        onClose={() => setOpen(null)}
        title={`Reset the lost devices of ${who}?`}
        confirmLabel={`Reset ${plural(n, 'user')}`}
        typeToConfirm={resetConfirmText(n)}
        onConfirm={(reason) => run('reset', reason)}
      >
        <Text size="sm">
          Removes every factor and recovery code of each of these {plural(n, 'user')}, and forgets their remembered devices. They cannot pass MFA until they
          enroll again.
        </Text>
        <SelectedNames usernames={usernames} />
      </ReasonConfirmModal>
      <ReasonConfirmModal
        opened={open === 'disable'}
        onClose={() => setOpen(null)}
        title={`Disable ${who}?`}
        confirmLabel={`Disable ${plural(n, 'user')}`}
        reasonPlaceholder="e.g. ticket #4711: left the company"
        onConfirm={(reason) => run('disable', reason)}
      >
        <Text size="sm">Every sign-in of these users is refused until they are enabled again. Their factors are kept.</Text>
        <SelectedNames usernames={usernames} />
      </ReasonConfirmModal>
      <ReasonConfirmModal
        opened={open === 'enable'}
        onClose={() => setOpen(null)}
        title={`Enable ${who}?`}
        confirmLabel={`Enable ${plural(n, 'user')}`}
        color="teal"
        reasonPlaceholder="e.g. back from leave"
        onConfirm={(reason) => run('enable', reason)}
      >
        <Text size="sm">They can sign in again with the factors they have. Users the directory disabled stay disabled: enable them there.</Text>
        <SelectedNames usernames={usernames} />
      </ReasonConfirmModal>
      {canAdmin && <BulkSheetsModal usernames={usernames} opened={open === 'sheets'} onClose={() => setOpen(null)} />}
    </>
  );
}

/** The first few selected names, so the operator sees whom they act on. */
function SelectedNames({ usernames }: { usernames: readonly string[] }) {
  const shown = usernames.slice(0, 8);
  return (
    <List size="sm" mt="xs" spacing={0} data-testid="bulk-names">
      {shown.map((u) => (
        <List.Item key={u}>{u}</List.Item>
      ))}
      {usernames.length > shown.length && <List.Item>and {plural(usernames.length - shown.length, 'more user')}</List.Item>}
    </List>
  );
}
