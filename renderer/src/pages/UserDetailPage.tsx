import { Alert, Badge, Button, Group, Menu, Paper, Stack, Text, ThemeIcon, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { FACTOR_TYPE_LABELS } from '../../../shared/methodTexts';
import type { FactorView } from '../../../shared/schemas/factors';
import { METHODS, type Method } from '../../../shared/schemas/methods';
import type { UserDetail } from '../../../shared/schemas/users';
import { useTRPC } from '../api/trpc';
import { IconKey, IconPlus, IconShield, IconUserOff } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ReasonConfirmModal } from '../components/common/ReasonConfirmModal';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';
import { EditUserModal } from '../components/users/EditUserModal';
import { EnrollFactorModal } from '../components/users/EnrollFactorModal';
import { FactorTable } from '../components/users/FactorTable';
import { PrintSheetButton } from '../components/sheets/PrintSheetButton';
import { RecoveryCodesModal } from '../components/users/RecoveryCodesModal';
import { RememberedDevicesCard } from '../components/users/RememberedDevicesCard';
import { ResetLostDeviceModal } from '../components/users/ResetLostDeviceModal';
import { TemporaryCodeCard } from '../components/users/TemporaryCodeCard';
import { TemporaryCodeModal } from '../components/users/TemporaryCodeModal';
import { UserActivity } from '../components/users/UserActivity';
import { formatAgo, formatDate, formatDateTime, formatSeconds, plural } from '../lib/format';
import { useCan } from '../lib/session';
import { factorTypeName, useMethodNames, type MethodNamer } from '../lib/useMethodNames';
import '../components/common/common.css';
import { SectionHeader } from '../components/common/SectionHeader';

/** Why a directory sync disabled a user, in words (the factors stay until the grace period ends). */
const DISABLED_WHY: Record<string, string> = {
  removed_from_directory: 'Gone from the directory: sign-ins are refused; factors are kept until the grace period ends',
  disabled_in_directory: 'Disabled in the directory: sign-ins are refused; factors are kept until the grace period ends',
};

/** What the user's last successful verify used: the factor (its method's name and label), recovery codes or a temporary code. */
function lastUsedName(u: UserDetail, methodName: MethodNamer): string {
  const used = u.lastUsed;
  if (!used) return '';
  const f = u.factors.find((x) => x.id === used.factorId);
  if (f) return `${factorTypeName(f)}${f.label ? ` “${f.label}”` : ''}`;
  if (used.type === 'temporary') return 'a temporary code';
  if ((METHODS as readonly string[]).includes(used.type)) {
    const m = used.type as Method;
    return m === 'recovery' ? methodName(m, 'Recovery codes') : `${methodName(m, FACTOR_TYPE_LABELS[m as Exclude<Method, 'recovery'>])} (since removed)`;
  }
  return used.type;
}

type Confirm =
  | { kind: 'deleteFactor'; factor: FactorView }
  | { kind: 'reset' }
  | { kind: 'unlock' }
  | { kind: 'deleteUser' }
  | { kind: 'reissueCodes' }
  | { kind: 'revokeTemporary' };

/**
 * One user: their factors (type, label, created, last used), recovery codes,
 * throttle state and audit trail; and, for helpdesk and admins, enroll,
 * remove, reset lost device, recovery codes, unlock and HOTP resync.
 * Auditors see the same page read-only.
 */
export function UserDetailPage() {
  const { username = '' } = useParams();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canHelp = useCan('helpdesk');
  const canAdmin = useCan('admin');
  const user = useQuery(trpc.users.get.queryOptions({ username }));
  const methodName = useMethodNames(user.data?.factors);

  const [enrolling, setEnrolling] = useState(false);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [editing, setEditing] = useState(false);
  const [issuingTemporary, setIssuingTemporary] = useState(false);
  /** Set right after a lost-device reset: the page offers the next steps. */
  const [justReset, setJustReset] = useState(false);

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries(trpc.users.get.queryFilter({ username })),
      queryClient.invalidateQueries(trpc.audit.forUser.pathFilter()),
      queryClient.invalidateQueries(trpc.users.list.pathFilter()),
      queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter()),
    ]);
  };
  const deleteFactor = useMutation(trpc.users.deleteFactor.mutationOptions({ onSuccess: refresh }));
  const unlock = useMutation(trpc.users.unlock.mutationOptions({ onSuccess: refresh }));
  const deleteUser = useMutation(trpc.users.delete.mutationOptions());
  const issueCodes = useMutation(trpc.users.issueRecoveryCodes.mutationOptions({ onSuccess: refresh }));
  const revokeTemporary = useMutation(trpc.users.revokeTemporaryCode.mutationOptions({ onSuccess: refresh }));

  const issue = async () => {
    try {
      const r = await issueCodes.mutateAsync({ username });
      setCodes(r.codes);
    } catch (err) {
      notifications.show({ color: 'red', title: 'Could not issue recovery codes', message: err instanceof Error ? err.message : String(err) });
    }
  };

  if (user.isPending) return <PageLoader label="Loading the user" />;
  if (user.isError) {
    const notFound = user.error instanceof TRPCClientError && user.error.data?.httpStatus === 404;
    return (
      <>
        <PageHeader title={username} back={{ to: '/users', label: 'Users' }} />
        {notFound ? (
          <Paper withBorder radius="md" p="xl">
            <NothingHere
              icon={<IconUserOff size={26} />}
              title="No such user"
              description={`There is no user named “${username}”. They may have been deleted, or the name is mistyped.`}
            >
              <Button component={Link} to="/users">
                Back to users
              </Button>
            </NothingHere>
          </Paper>
        ) : (
          <ErrorState error={user.error} title="Could not load this user" onRetry={() => void user.refetch()} />
        )}
      </>
    );
  }

  const u = user.data;
  const active = u.factors.filter((f) => f.status === 'active');
  const blocked = u.throttle.state !== 'ok';

  return (
    <>
      <PageHeader
        back={{ to: '/users', label: 'Users' }}
        title={u.displayName ?? u.username}
        description={
          <span className="break-anywhere">
            {u.displayName ? `${u.username} · ` : ''}
            {u.email ?? 'no email'}
            {u.phone ? ` · ${u.phone}` : ''} · added {formatDate(u.createdAt)}
          </span>
        }
        actions={
          canHelp && (
            <>
              <Button leftSection={<IconPlus size={16} />} onClick={() => setEnrolling(true)}>
                Enroll a factor
              </Button>
              <PrintSheetButton username={u.username} displayName={u.displayName} variant="default" />
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <Button variant="default">More actions</Button>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item onClick={() => setEditing(true)}>Edit details</Menu.Item>
                  <Menu.Item onClick={() => setIssuingTemporary(true)}>{u.temporaryCode ? 'Issue a new temporary code…' : 'Issue a temporary code…'}</Menu.Item>
                  <Menu.Item onClick={() => (u.recoveryCodes.unused > 0 ? setConfirm({ kind: 'reissueCodes' }) : void issue())}>Issue recovery codes</Menu.Item>
                  <Menu.Item onClick={() => setConfirm({ kind: 'unlock' })} disabled={!blocked && u.throttle.failures === 0}>
                    Unlock
                  </Menu.Item>
                  <Menu.Divider />
                  <Menu.Item color="red" onClick={() => setConfirm({ kind: 'reset' })}>
                    Reset lost device…
                  </Menu.Item>
                  {canAdmin && (
                    <Menu.Item color="red" onClick={() => setConfirm({ kind: 'deleteUser' })}>
                      Delete user…
                    </Menu.Item>
                  )}
                </Menu.Dropdown>
              </Menu>
            </>
          )
        }
      />

      <Stack gap="md">
        <Group gap="xs">
          {active.length > 0 ? (
            <Badge color="teal" variant="light">
              {plural(active.length, 'active factor')}
            </Badge>
          ) : (
            <Badge color="orange" variant="light">
              No active factor
            </Badge>
          )}
          {u.source === 'directory' && (
            <Tooltip
              label={u.directory ? `${u.directory.dn}${u.directory.syncedAt ? `, synced ${formatDateTime(u.directory.syncedAt)}` : ''}` : 'From the directory'}
            >
              <Badge color="indigo" variant="light" data-testid="user-from-directory">
                From directory
              </Badge>
            </Tooltip>
          )}
          {u.disabled && (
            <Tooltip label={DISABLED_WHY[u.disabledReason ?? ''] ?? 'Disabled: sign-ins are refused, factors are kept'}>
              <Badge color="red" data-testid="user-disabled">
                Disabled{u.disabledAt ? ` since ${formatDate(u.disabledAt)}` : ''}
              </Badge>
            </Tooltip>
          )}
          {u.throttle.state === 'locked' && <Badge color="red">Locked</Badge>}
          {u.throttle.state === 'throttled' && <Badge color="orange">Throttled</Badge>}
          {!canHelp && (
            <Badge color="gray" variant="outline">
              Read-only
            </Badge>
          )}
        </Group>

        {justReset && canHelp && active.length === 0 && !u.temporaryCode && (
          <Alert
            color="blue"
            variant="light"
            title="Lost device reset"
            withCloseButton
            onClose={() => setJustReset(false)}
            closeButtonLabel="Dismiss"
            role="status"
          >
            <Group justify="space-between" align="center" wrap="wrap">
              <Text size="sm">
                {u.username} has no factor now. Give them a temporary code to sign in with until they set up a new device, or enroll the new device now.
              </Text>
              <Group gap="xs">
                <Button size="xs" onClick={() => setIssuingTemporary(true)}>
                  Issue a temporary code
                </Button>
                <Button size="xs" variant="default" onClick={() => setEnrolling(true)}>
                  Enroll a factor
                </Button>
              </Group>
            </Group>
          </Alert>
        )}

        {blocked && (
          <Alert
            color={u.throttle.state === 'locked' ? 'red' : 'orange'}
            variant="light"
            title={u.throttle.state === 'locked' ? 'This user is locked out' : 'This user is being throttled'}
            role="status"
          >
            <Group justify="space-between" align="center" wrap="wrap">
              <Text size="sm">
                {plural(u.throttle.failures, 'failed attempt')} in a row.{' '}
                {u.throttle.retryAfterSeconds !== null ? `Releases by itself in ${formatSeconds(u.throttle.retryAfterSeconds)}.` : ''}
              </Text>
              {canHelp && (
                <Button size="xs" color={u.throttle.state === 'locked' ? 'red' : 'orange'} onClick={() => setConfirm({ kind: 'unlock' })}>
                  Unlock now
                </Button>
              )}
            </Group>
          </Alert>
        )}

        <div className="detail-grid">
          <Paper withBorder radius="md" p="md">
            <SectionHeader title="Factors" note={plural(u.factors.length, 'factor')} />
            {u.lastUsed && (
              <Text size="sm" mt={-4} mb="sm" data-testid="last-used" title={formatDateTime(u.lastUsed.at)}>
                Last used:{' '}
                <Text span fw={600} size="sm">
                  {lastUsedName(u, methodName)}
                </Text>{' '}
                · {formatAgo(u.lastUsed.at)}
              </Text>
            )}
            {u.factors.length === 0 ? (
              <NothingHere
                icon={<IconShield size={24} />}
                title="No factors yet"
                description={
                  u.temporaryCode
                    ? `${u.username} signs in with the temporary code until a new factor is enrolled and confirmed.`
                    : `${u.username} cannot pass MFA until a factor is enrolled and confirmed.`
                }
              >
                {canHelp && (
                  <Button size="sm" onClick={() => setEnrolling(true)}>
                    Enroll a factor
                  </Button>
                )}
              </NothingHere>
            ) : (
              <FactorTable username={u.username} factors={u.factors} canHelp={canHelp} onRemove={(factor) => setConfirm({ kind: 'deleteFactor', factor })} />
            )}
          </Paper>

          <Stack gap="md">
            {u.temporaryCode && <TemporaryCodeCard code={u.temporaryCode} {...(canHelp ? { onRevoke: () => setConfirm({ kind: 'revokeTemporary' }) } : {})} />}
            <Paper withBorder radius="md" p="md">
              <Group justify="space-between" mb={6} wrap="nowrap">
                <Title order={3} size="h4">
                  {methodName('recovery', 'Recovery codes')}
                </Title>
                <ThemeIcon variant="light" color="gray" aria-hidden>
                  <IconKey size={16} />
                </ThemeIcon>
              </Group>
              <Text size="sm" data-testid="recovery-count">
                {u.recoveryCodes.total === 0 ? 'None issued' : `${u.recoveryCodes.unused} of ${u.recoveryCodes.total} unused`}
              </Text>
              <Text size="xs" c="dimmed" mb={canHelp ? 'sm' : 0}>
                One-time codes for when the user has no device. A new set replaces the old one.
              </Text>
              {canHelp && (
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => (u.recoveryCodes.unused > 0 ? setConfirm({ kind: 'reissueCodes' }) : void issue())}
                  loading={issueCodes.isPending}
                >
                  {u.recoveryCodes.total === 0 ? 'Issue recovery codes' : 'Issue a new set'}
                </Button>
              )}
            </Paper>
            <Paper withBorder radius="md" p="md">
              <Title order={3} size="h4" mb={6}>
                Sign-in attempts
              </Title>
              <Text size="sm">
                {u.throttle.state === 'ok'
                  ? u.throttle.failures === 0
                    ? 'No recent failures'
                    : `${plural(u.throttle.failures, 'recent failure')}`
                  : u.throttle.state === 'locked'
                    ? 'Locked'
                    : 'Throttled'}
              </Text>
              <Text size="xs" c="dimmed">
                Wrong codes slow further attempts down and, after ten in a row, lock the user for a while.
              </Text>
            </Paper>
          </Stack>
        </div>

        <RememberedDevicesCard username={u.username} devices={u.rememberedDevices} canRevoke={canHelp} />

        <UserActivity username={u.username} />
      </Stack>

      {canHelp && (
        <>
          <EnrollFactorModal
            username={u.username}
            user={{ email: u.email, phone: u.phone }}
            factors={u.factors}
            opened={enrolling}
            onClose={() => setEnrolling(false)}
          />
          <EditUserModal user={u} opened={editing} onClose={() => setEditing(false)} />
          <TemporaryCodeModal username={u.username} displayName={u.displayName} opened={issuingTemporary} onClose={() => setIssuingTemporary(false)} />
          <ReasonConfirmModal
            opened={confirm?.kind === 'revokeTemporary'}
            onClose={() => setConfirm(null)}
            title={`Revoke ${u.username}’s temporary code?`}
            confirmLabel="Revoke code"
            reasonPlaceholder="e.g. the user found their phone"
            onConfirm={async (reason) => {
              await revokeTemporary.mutateAsync({ username: u.username, reason });
              notifications.show({ color: 'teal', title: 'Temporary code revoked', message: `${u.username}’s temporary code no longer works.` });
            }}
          >
            <Text size="sm">The temporary code stops working at once{u.temporaryCode ? ` (${plural(u.temporaryCode.usesLeft, 'use')} left)` : ''}.</Text>
          </ReasonConfirmModal>
          <RecoveryCodesModal username={u.username} codes={codes} onClose={() => setCodes(null)} />
          <ReasonConfirmModal
            opened={confirm?.kind === 'deleteFactor'}
            onClose={() => setConfirm(null)}
            title="Remove this factor?"
            confirmLabel="Remove factor"
            onConfirm={async (reason) => {
              if (confirm?.kind !== 'deleteFactor') return;
              await deleteFactor.mutateAsync({ username: u.username, factorId: confirm.factor.id, reason });
              notifications.show({
                color: 'teal',
                title: 'Factor removed',
                message: `${factorTypeName(confirm.factor)} of ${u.username} no longer works.`,
              });
            }}
          >
            <Text size="sm">
              {confirm?.kind === 'deleteFactor' && (
                <>
                  {factorTypeName(confirm.factor)}
                  {confirm.factor.label ? ` “${confirm.factor.label}”` : ''} stops working at once.
                  {active.length === 1 && confirm.factor.status === 'active'
                    ? ` It is ${u.username}’s only active factor: they will not pass MFA until a new one is enrolled.`
                    : ''}
                </>
              )}
            </Text>
          </ReasonConfirmModal>
          <ResetLostDeviceModal user={u} opened={confirm?.kind === 'reset'} onClose={() => setConfirm(null)} onReset={() => setJustReset(true)} />
          <ReasonConfirmModal
            opened={confirm?.kind === 'unlock'}
            onClose={() => setConfirm(null)}
            title={`Unlock ${u.username}?`}
            confirmLabel="Unlock"
            color="blue"
            reasonPlaceholder="e.g. verified caller identity, ticket #4711"
            onConfirm={async (reason) => {
              await unlock.mutateAsync({ username: u.username, reason });
              notifications.show({ color: 'teal', title: 'Unlocked', message: `${u.username} can try codes again.` });
            }}
          >
            <Text size="sm">
              Clears {plural(u.throttle.failures, 'failed attempt')} and any lock, so {u.username} can try codes again at once.
            </Text>
          </ReasonConfirmModal>
          <ReasonConfirmModal
            opened={confirm?.kind === 'reissueCodes'}
            onClose={() => setConfirm(null)}
            title="Replace the recovery codes?"
            confirmLabel="Issue a new set"
            color="orange"
            askReason={false}
            onConfirm={async () => {
              await issue();
            }}
          >
            <Text size="sm">The {plural(u.recoveryCodes.unused, 'unused code')} of the current set stop working, and ten new codes are shown once.</Text>
          </ReasonConfirmModal>
          {canAdmin && (
            <ReasonConfirmModal
              opened={confirm?.kind === 'deleteUser'}
              onClose={() => setConfirm(null)}
              title={`Delete ${u.username}?`}
              confirmLabel="Delete user"
              typeToConfirm={u.username}
              onConfirm={async (reason) => {
                await deleteUser.mutateAsync({ username: u.username, reason });
                await queryClient.invalidateQueries(trpc.users.list.pathFilter());
                notifications.show({ color: 'teal', title: 'User deleted', message: `${u.username} and their factors are gone.` });
                await navigate('/users');
              }}
            >
              <Text size="sm">
                Deletes the user with every factor and recovery code. Applications will get “no such user” for them. The audit log keeps their history.
              </Text>
            </ReasonConfirmModal>
          )}
        </>
      )}
    </>
  );
}
