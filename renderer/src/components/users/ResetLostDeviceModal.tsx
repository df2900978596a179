import { Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import type { UserDetail } from '../../../../shared/schemas/users';
import { useTRPC } from '../../api/trpc';
import { plural } from '../../lib/format';
import { ReasonConfirmModal } from '../common/ReasonConfirmModal';
import { useRefreshUser } from './ConfirmFactorModal';

/** What a reset takes away, counted as the user holds it now: unused recovery codes only (a used one no longer works anyway). */
export function resetSummary(u: Pick<UserDetail, 'factors' | 'recoveryCodes' | 'rememberedDevices'>): string[] {
  const parts: string[] = [u.factors.length === 1 ? 'the only factor' : `all ${plural(u.factors.length, 'factor')}`];
  if (u.recoveryCodes.unused > 0) parts.push(`the ${plural(u.recoveryCodes.unused, 'unused recovery code')}`);
  if (u.rememberedDevices.length > 0) parts.push(plural(u.rememberedDevices.length, 'remembered device'));
  return parts;
}

/**
 * "Reset lost device": every factor, the recovery codes still left and the
 * remembered devices go, with a reason and the username typed to confirm.
 * The dialog counts what is left now (8 unused codes, not the 10 issued).
 */
export function ResetLostDeviceModal({ user: u, opened, onClose, onReset }: { user: UserDetail; opened: boolean; onClose: () => void; onReset: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshUser(u.username);
  const reset = useMutation(trpc.users.reset.mutationOptions({ onSuccess: () => refresh() }));
  const parts = resetSummary(u);
  return (
    <ReasonConfirmModal
      opened={opened}
      onClose={onClose}
      title={`Reset ${u.username}’s lost device?`}
      confirmLabel="Reset lost device"
      typeToConfirm={u.username}
      reasonPlaceholder="e.g. ticket #4711: phone stolen"
      onConfirm={async (reason) => {
        const r = await reset.mutateAsync({ username: u.username, reason });
        notifications.show({
          color: 'teal',
          title: 'Lost device reset',
          message: `${plural(r.factorsRemoved, 'factor')} and ${plural(r.recoveryCodesRemoved, 'unused recovery code')} removed. Enroll a new factor next.`,
        });
        onReset();
      }}
    >
      <Text size="sm" data-testid="reset-summary">
        Removes{' '}
        {parts.map((p, i) => (
          <span key={p}>
            {i > 0 ? (i === parts.length - 1 ? ' and ' : ', ') : ''}
            <b>{p}</b>
          </span>
        ))}{' '}
        of {u.username}. They cannot pass MFA until a new factor is enrolled. This cannot be undone.
      </Text>
    </ReasonConfirmModal>
  );
}
