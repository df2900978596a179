import { Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/trpc';
import { ErrorAlert, ModalActions } from '../common/ModalForm';

/**
 * "Are you sure?" for a change with consequences: says what will happen,
 * the safe choice (Cancel) is focused first, Esc cancels, and a server
 * refusal is shown in the dialog rather than closing it.
 */
export function ConfirmModal({
  opened,
  title,
  children,
  confirmLabel,
  danger = false,
  loading = false,
  error = null,
  onConfirm,
  onClose,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  loading?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered size="md">
      <Stack gap="md">
        {children}
        <ErrorAlert message={error ? errorMessage(error) : null} />
        <ModalActions onCancel={onClose} focusCancel actionLabel={confirmLabel} actionColor={danger ? 'red' : undefined} busy={loading} onAction={onConfirm} />
      </Stack>
    </Modal>
  );
}
