import { Alert, Button, Group, Modal, Stack, Text, type ModalProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * The scaffolding every console dialog shares: the form (Enter submits, the
 * browser's own validation off: the shared zod schemas say what is wrong),
 * a message for the whole form when the server refused it (field errors show
 * on their fields), and Cancel beside the action on the right.
 */

/** A refusal for the whole form, read out by screen readers. Renders nothing without a message. */
export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <Alert color="red" variant="light" role="alert">
      {message}
    </Alert>
  );
}

export interface ModalActionsProps {
  onCancel: () => void;
  cancelLabel?: string;
  /** While the action runs, Cancel can be locked (e.g. while the browser's key dialog is open). */
  cancelDisabled?: boolean;
  /** Focus Cancel first: the safe choice for confirmations with consequences. */
  focusCancel?: boolean;
  actionLabel: ReactNode;
  actionColor?: string;
  busy?: boolean;
  /** Without it the action is the form's submit button. */
  onAction?: () => void;
}

export function ModalActions({
  onCancel,
  cancelLabel = 'Cancel',
  cancelDisabled = false,
  focusCancel = false,
  actionLabel,
  actionColor,
  busy = false,
  onAction,
}: ModalActionsProps) {
  return (
    <Group justify="flex-end" gap="sm" wrap="nowrap">
      <Button variant="default" onClick={onCancel} disabled={cancelDisabled} {...(focusCancel ? { 'data-autofocus': true } : {})}>
        {cancelLabel}
      </Button>
      <Button {...(onAction ? { onClick: onAction } : { type: 'submit' as const })} color={actionColor} loading={busy}>
        {actionLabel}
      </Button>
    </Group>
  );
}

/** A form whose Enter runs onSubmit (the browser's own validation off), its children stacked. */
export function SubmitForm({ onSubmit, children }: { onSubmit: () => unknown; children: ReactNode }) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
      noValidate
    >
      <Stack gap="md">{children}</Stack>
    </form>
  );
}

export interface ModalFormProps extends Omit<ModalActionsProps, 'onAction'> {
  onSubmit: () => unknown;
  /** The server's refusal of the whole form, if any. */
  error?: string | null | undefined;
  /** Shown between the error and the buttons (a note on what happens next). */
  footnote?: ReactNode;
  children: ReactNode;
}

/** A dialog's form: fields, then the error, then Cancel and the action. For a dialog with several steps, one per step. */
export function ModalForm({ onSubmit, error, footnote, children, ...actions }: ModalFormProps) {
  return (
    <SubmitForm onSubmit={onSubmit}>
      {children}
      <ErrorAlert message={error} />
      {footnote}
      <ModalActions {...actions} />
    </SubmitForm>
  );
}

export interface FormModalProps extends ModalFormProps {
  opened: boolean;
  onClose: () => void;
  /** Plain text gets the dialog's title weight. */
  title: ReactNode;
  size?: ModalProps['size'];
  modalProps?: Partial<Omit<ModalProps, 'opened' | 'onClose' | 'title' | 'size' | 'children'>>;
}

/** A centred dialog holding one ModalForm; Cancel closes it unless told otherwise. */
export function FormModal({
  opened,
  onClose,
  title,
  size = 'md',
  modalProps,
  onCancel,
  ...form
}: Omit<FormModalProps, 'onCancel'> & { onCancel?: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={typeof title === 'string' ? <Text fw={600}>{title}</Text> : title} centered size={size} {...modalProps}>
      <ModalForm onCancel={onCancel ?? onClose} {...form} />
    </Modal>
  );
}
