import { Textarea, TextInput } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage, fieldErrors } from '../../api/trpc';
import { checkReasonConfirm } from '../../lib/formChecks';
import { useFieldErrors } from '../../lib/useCheckedSubmit';
import { FormModal } from './ModalForm';

export interface ReasonConfirmModalProps {
  opened: boolean;
  onClose: () => void;
  title: string;
  /** What will happen, in plain words. */
  children: ReactNode;
  confirmLabel: string;
  /** Default red: these are destructive or security-relevant actions. */
  color?: string;
  /** When set, the operator must type this (e.g. the username) before confirming. */
  typeToConfirm?: string;
  reasonPlaceholder?: string;
  /** False for confirmations that record no reason (default true). */
  askReason?: boolean;
  /** Runs the action with the reason; a thrown error is shown in the modal and it stays open. */
  onConfirm: (reason: string) => Promise<unknown>;
}

/**
 * Asks for a reason (kept in the audit log, checked with the shared Reason
 * schema) and an explicit confirmation before a destructive action.
 */
export function ReasonConfirmModal({
  opened,
  onClose,
  title,
  children,
  confirmLabel,
  color = 'red',
  typeToConfirm,
  reasonPlaceholder,
  askReason = true,
  onConfirm,
}: ReasonConfirmModalProps) {
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const { errors, setErrors, clearError } = useFieldErrors();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (opened) {
      setReason('');
      setTyped('');
      setErrors({});
      setFailure(null);
    }
  }, [opened]);

  const submit = async () => {
    const checked = checkReasonConfirm({ askReason, reason, typed, ...(typeToConfirm !== undefined ? { typeToConfirm } : {}) });
    setErrors(checked.errors);
    if (checked.reason === null) return;
    setBusy(true);
    setFailure(null);
    try {
      await onConfirm(checked.reason);
      onClose();
    } catch (err) {
      const fields = fieldErrors(err);
      if (fields.reason) setErrors({ reason: fields.reason });
      else setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={title}
      onSubmit={submit}
      error={failure}
      cancelDisabled={busy}
      actionLabel={confirmLabel}
      actionColor={color}
      busy={busy}
    >
      <div>{children}</div>
      {askReason && (
        <Textarea
          label="Reason"
          description="Kept in the audit log with your name."
          placeholder={reasonPlaceholder ?? 'e.g. ticket #4711: phone lost'}
          autosize
          minRows={2}
          maxRows={5}
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            clearError('reason');
          }}
          error={errors.reason}
          data-autofocus
          withAsterisk
        />
      )}
      {typeToConfirm !== undefined && (
        <TextInput
          label={
            <>
              Type <b>{typeToConfirm}</b> to confirm
            </>
          }
          value={typed}
          onChange={(e) => {
            setTyped(e.currentTarget.value);
            clearError('typed');
          }}
          error={errors.typed}
          autoComplete="off"
        />
      )}
    </FormModal>
  );
}
