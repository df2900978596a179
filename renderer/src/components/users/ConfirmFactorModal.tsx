import { Modal, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { FACTOR_TYPE_LABELS } from '../../../../shared/methodTexts';
import type { FactorView } from '../../../../shared/schemas/factors';
import { isDeliveredType } from '../../../../shared/schemas/methods';
import { useTRPC } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { CodeInput } from '../common/CodeInput';
import { ModalForm } from '../common/ModalForm';
import { DeliveredCodeStep } from './DeliveredCodeStep';
import { refusalOf } from './deliveryRefusal';

/** After a factor is confirmed: the page, its activity and the lists that count factors. */
export function useRefreshUser(username: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.users.get.queryFilter({ username })),
      queryClient.invalidateQueries(trpc.audit.forUser.pathFilter()),
      queryClient.invalidateQueries(trpc.users.list.pathFilter()),
      queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter()),
    ]);
}

/** The label a printed enrollment sheet gives its factor (services/sheets: SHEET_FACTOR). */
const SHEET_LABEL = 'Enrollment sheet';

/**
 * "Confirm with code" on a pending factor: an app or token's current code
 * (its secret is not shown again), or the code an email/SMS factor was sent
 * (with Resend). Confirming also ends a temporary code the user holds. A
 * TOTP/HOTP factor (a printed sheet among them) is also finished by the
 * user's first sign-in with it; a confirm that finds it active says so.
 */
export function ConfirmFactorModal({ username, factor, onClose }: { username: string; factor: FactorView | null; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshUser(username);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const confirm = useMutation(trpc.users.confirmFactor.mutationOptions());
  useEffect(() => {
    setCode('');
    setCodeError(null);
  }, [factor?.id]);

  const typeLabel = factor ? FACTOR_TYPE_LABELS[factor.type] : '';
  const done = () => {
    void refresh();
    notifications.show({
      color: 'teal',
      title: 'Factor confirmed',
      message: `${typeLabel}${factor?.label ? ` “${factor.label}”` : ''} now works for ${username}.`,
    });
    onClose();
  };
  const digits = factor?.digits ?? 6;

  const finish = async () => {
    if (!factor) return;
    const typed = code.replace(/\s+/g, '');
    if (!new RegExp(`^\\d{${digits}}$`).test(typed)) {
      setCodeError(`Enter the ${digits}-digit code the device shows`);
      return;
    }
    setCodeError(null);
    try {
      await confirm.mutateAsync({ username, factorId: factor.id, code: typed });
      done();
    } catch (err) {
      const r = refusalOf(err);
      if (r.code === 'conflict') {
        // Finished meanwhile: the user signed in with its first code (a printed sheet says to), which activates it.
        void refresh();
        notifications.show({ color: 'teal', title: 'Already confirmed', message: `${username} has finished this factor already: it works.` });
        onClose();
        return;
      }
      setCodeError(r.fields.code ?? r.message);
      setCode('');
    }
  };

  return (
    <Modal
      opened={factor !== null}
      onClose={onClose}
      title={
        <Text fw={600}>
          Confirm {typeLabel.toLowerCase()} for {username}
        </Text>
      }
      centered
      size="md"
    >
      {factor && isDeliveredType(factor.type) ? (
        <DeliveredCodeStep
          username={username}
          factor={{ id: factor.id, type: factor.type, destination: factor.destination ?? 'the address on the factor' }}
          intro="pending"
          onConfirmed={done}
          onCancel={onClose}
        />
      ) : factor ? (
        <ModalForm onSubmit={finish} onCancel={onClose} cancelLabel="Finish later" actionLabel="Confirm factor" busy={confirm.isPending}>
          <Text size="sm">
            Type the code the {factor.type === 'hotp' ? 'token' : 'authenticator app'} shows now
            {factor.label === SHEET_LABEL ? ' (the user scanned the printed sheet: ask them to read it out)' : ''}. The factor stays pending until then
            {factor.expiresAt ? `, and expires ${formatDateTime(factor.expiresAt)}` : ''}.
          </Text>
          <Text size="xs" c="dimmed">
            The user may also finish it themselves: the first code they sign in with confirms it.
          </Text>
          <CodeInput
            label={`${digits}-digit code from the device`}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={codeError}
            data-autofocus
          />
        </ModalForm>
      ) : null}
    </Modal>
  );
}
