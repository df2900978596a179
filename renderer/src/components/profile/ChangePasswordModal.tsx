import { Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { FormModal } from '../common/ModalForm';
import { ChangePasswordFields, useChangePassword } from './ChangePasswordForm';

/** "Change password" on the profile: current, new, new again. Their other sessions end; this one stays. */
export function ChangePasswordModal({ opened, username, onClose }: { opened: boolean; username: string; onClose: () => void }) {
  const form = useChangePassword(username, () => {
    notifications.show({
      color: 'green',
      title: 'Password changed',
      message: 'Use it from your next sign-in. You were signed out everywhere else; the change is in the audit log.',
    });
    onClose();
  });
  const close = () => {
    form.reset();
    onClose();
  };
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="Change your password"
      onSubmit={form.submit}
      error={form.error}
      actionLabel="Change password"
      busy={form.busy}
      footnote={
        <Text size="xs" c="dimmed">
          Your other sessions (other browsers and computers) are signed out; this one stays. Your authenticator app and security keys do not change.
        </Text>
      }
    >
      <ChangePasswordFields form={form} autoFocus />
    </FormModal>
  );
}
