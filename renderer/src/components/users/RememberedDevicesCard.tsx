import { Button, Group, Paper, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RememberedDeviceView } from '../../../../shared/schemas/rememberedDevices';
import { useTRPC } from '../../api/trpc';
import { formatAgo, formatDate, formatDateTime, plural } from '../../lib/format';
import { ReasonConfirmModal } from '../common/ReasonConfirmModal';
import { ScrollTable } from '../common/ScrollTable';
import { SectionHeader } from '../common/SectionHeader';
import '../common/common.css';

/** Dates must not wrap. A style object: CSSOM, so the CSP allows it. */
const NOWRAP = { whiteSpace: 'nowrap' } as const;

type Revoking = { kind: 'one'; device: RememberedDeviceView } | { kind: 'all' };

/**
 * The devices applications asked Tessera to remember for a user (their
 * tokens stand in for a code until they expire): which application, the
 * browser, when remembered, last used and expiring. Helpdesk and admins
 * revoke one (a lost laptop) or all, with a reason; others read.
 */
export function RememberedDevicesCard({ username, devices, canRevoke }: { username: string; devices: readonly RememberedDeviceView[]; canRevoke: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<Revoking | null>(null);
  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries(trpc.users.get.queryFilter({ username })),
      queryClient.invalidateQueries(trpc.audit.forUser.pathFilter()),
    ]);
  };
  const revokeOne = useMutation(trpc.users.revokeDevice.mutationOptions({ onSuccess: refresh }));
  const revokeAll = useMutation(trpc.users.revokeAllDevices.mutationOptions({ onSuccess: refresh }));

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Remembered devices" data-testid="remembered-devices">
      <SectionHeader title="Remembered devices" note={plural(devices.length, 'device')} />
      {devices.length === 0 ? (
        <Text size="sm" c="dimmed">
          No device is remembered. When remembered devices are on, an application may ask to remember the device a user signed in on, so that it can skip the
          code there for a while.
        </Text>
      ) : (
        <>
          <ScrollTable
            minWidth={720}
            verticalSpacing="sm"
            fz="sm"
            head={
              <>
                <Table.Th>Device</Table.Th>
                <Table.Th>Application</Table.Th>
                <Table.Th style={NOWRAP}>Remembered</Table.Th>
                <Table.Th style={NOWRAP}>Last used</Table.Th>
                <Table.Th style={NOWRAP}>Expires</Table.Th>
                {canRevoke && <Table.Th w={1} aria-label="Actions" />}
              </>
            }
          >
            {devices.map((d) => (
              <Table.Tr key={d.id} data-testid={`device-${d.id}`}>
                <Table.Td className="break-anywhere">
                  <Text size="sm" fw={500}>
                    {d.label}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {d.userAgent ?? 'Browser not given'}
                  </Text>
                </Table.Td>
                <Table.Td className="break-anywhere">{d.application}</Table.Td>
                <Table.Td title={formatDateTime(d.createdAt)} style={NOWRAP}>
                  {formatDate(d.createdAt)}
                </Table.Td>
                <Table.Td title={d.lastUsedAt ? formatDateTime(d.lastUsedAt) : undefined} style={NOWRAP}>
                  {formatAgo(d.lastUsedAt)}
                </Table.Td>
                <Table.Td title={formatDateTime(d.expiresAt)} style={NOWRAP}>
                  {formatDate(d.expiresAt)}
                </Table.Td>
                {canRevoke && (
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setRevoking({ kind: 'one', device: d })}
                      aria-label={`Revoke “${d.label}”`}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </ScrollTable>
          {canRevoke && (
            <Group justify="flex-end" mt="xs">
              <Button size="xs" variant="light" color="red" onClick={() => setRevoking({ kind: 'all' })}>
                Revoke all
              </Button>
            </Group>
          )}
        </>
      )}

      {canRevoke && (
        <ReasonConfirmModal
          opened={revoking !== null}
          onClose={() => setRevoking(null)}
          title={revoking?.kind === 'one' ? `Revoke “${revoking.device.label}”?` : `Revoke all of ${username}’s remembered devices?`}
          confirmLabel={revoking?.kind === 'one' ? 'Revoke device' : 'Revoke all'}
          reasonPlaceholder="e.g. ticket #4711: laptop stolen"
          onConfirm={async (reason) => {
            if (revoking?.kind === 'one') {
              await revokeOne.mutateAsync({ username, deviceId: revoking.device.id, reason });
              notifications.show({ color: 'teal', title: 'Device revoked', message: `“${revoking.device.label}” must enter a code again.` });
            } else {
              const r = await revokeAll.mutateAsync({ username, reason });
              notifications.show({
                color: 'teal',
                title: 'Devices revoked',
                message: `${plural(r.revoked, 'device')} of ${username} must enter a code again.`,
              });
            }
          }}
        >
          <Text size="sm">
            {revoking?.kind === 'one'
              ? `${revoking.device.application} can no longer skip the code on “${revoking.device.label}”: the next sign-in there asks for one.`
              : `Every application that remembered a device of ${username} (${plural(devices.length, 'device')}) asks for a code again at the next sign-in.`}
          </Text>
        </ReasonConfirmModal>
      )}
    </Paper>
  );
}
