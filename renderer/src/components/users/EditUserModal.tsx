import { Checkbox, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { parsePhone } from '../../../../shared/schemas/phone';
import { UpdateUserInput, type UserDetail } from '../../../../shared/schemas/users';
import { useTRPC } from '../../api/trpc';
import { checkForm } from '../../lib/zodForm';
import { FormModal } from '../common/ModalForm';
import { useRefreshUser } from './ConfirmFactorModal';
import { refusalOf } from './deliveryRefusal';

interface Values {
  displayName: string;
  email: string;
  /** Blank keeps the number on file (the page only sees it masked). */
  phone: string;
  clearPhone: boolean;
}

/**
 * The changes to send: only fields that differ from what the user has (a
 * blank field clears it), checked with the shared UpdateUserInput; the phone
 * number inline with parsePhone, the same rules as the server.
 */
export function checkUserChanges(user: Pick<UserDetail, 'displayName' | 'email' | 'phone'>, v: Values) {
  const changes: Record<string, string | null> = {};
  const displayName = v.displayName.trim();
  const email = v.email.trim();
  if (displayName !== (user.displayName ?? '')) changes.displayName = displayName || null;
  if (email !== (user.email ?? '')) changes.email = email || null;
  if (v.clearPhone) changes.phone = null;
  else if (v.phone.trim()) {
    const p = parsePhone(v.phone);
    if (!p.ok) return { ok: false as const, errors: { phone: p.message } };
    changes.phone = v.phone.trim(); // the shared PhoneNumber turns it into E.164
  }
  if (Object.keys(changes).length === 0) return { ok: true as const, data: null };
  return checkForm(UpdateUserInput, changes);
}

/** "Edit details" (helpdesk and admins): display name, email and phone. Email and SMS factors keep the destination they were confirmed with. */
/** What the dialog edits: a UserDetail has these (and more). */
export type EditableUser = Pick<UserDetail, 'username' | 'displayName' | 'email' | 'phone'> & { source?: UserDetail['source'] };

/** A directory user's name, email and phone come from the directory: a sync would undo an edit here. */
const FROM_DIRECTORY = 'From the directory: change it there; the next sync brings it here.';

export function EditUserModal({ user, opened, onClose }: { user: EditableUser; opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshUser(user.username);
  const [values, setValues] = useState<Values>({ displayName: '', email: '', phone: '', clearPhone: false });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const update = useMutation(trpc.users.update.mutationOptions());
  const fromDirectory = user.source === 'directory';

  useEffect(() => {
    if (opened) {
      setValues({ displayName: user.displayName ?? '', email: user.email ?? '', phone: '', clearPhone: false });
      setErrors({});
      setFailure(null);
    }
  }, [opened]);

  const set = (k: 'displayName' | 'email' | 'phone') => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [k]: value }));
    setErrors(({ [k]: _gone, ...rest }) => rest);
  };

  const submit = async () => {
    const checked = checkUserChanges(user, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setFailure(null);
    if (checked.data === null) {
      onClose();
      return;
    }
    try {
      await update.mutateAsync({ username: user.username, changes: checked.data });
      await refresh();
      notifications.show({ color: 'teal', title: 'Details saved', message: `${user.username}’s details are updated.` });
      onClose();
    } catch (err) {
      const r = refusalOf(err);
      if (Object.keys(r.fields).length > 0) setErrors(r.fields);
      else setFailure(r.message);
    }
  };

  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={`Edit ${user.username}’s details`}
      onSubmit={submit}
      error={failure}
      actionLabel="Save details"
      busy={update.isPending}
      footnote={
        <Text size="xs" c="dimmed">
          Email and SMS factors keep the address or number they were confirmed with: to send codes somewhere else, enroll a new factor.
        </Text>
      }
    >
      <TextInput
        label="Display name"
        value={values.displayName}
        onChange={set('displayName')}
        error={errors.displayName}
        autoComplete="off"
        data-autofocus
        disabled={fromDirectory}
        description={fromDirectory ? FROM_DIRECTORY : undefined}
      />
      <TextInput
        label="Email"
        type="email"
        value={values.email}
        onChange={set('email')}
        error={errors.email}
        autoComplete="off"
        disabled={fromDirectory}
        description={fromDirectory ? FROM_DIRECTORY : undefined}
      />
      <TextInput
        label="Phone"
        type="tel"
        description={
          fromDirectory
            ? `${user.phone ? `On file: ${user.phone}. ` : ''}${FROM_DIRECTORY}`
            : user.phone
              ? `On file: ${user.phone}. Type a new number with its country code to replace it, or leave empty to keep it.`
              : 'A mobile number with its country code, e.g. +44 7911 123456.'
        }
        value={values.phone}
        onChange={set('phone')}
        onBlur={() => {
          if (!values.phone.trim()) return;
          const p = parsePhone(values.phone);
          if (!p.ok) setErrors((e) => ({ ...e, phone: p.message }));
        }}
        error={errors.phone}
        disabled={values.clearPhone || fromDirectory}
        autoComplete="off"
      />
      {user.phone && !fromDirectory && (
        <Checkbox
          label="Remove the phone number"
          checked={values.clearPhone}
          onChange={(e) => {
            const clearPhone = e.currentTarget.checked;
            setValues((v) => ({ ...v, clearPhone, phone: '' }));
            setErrors(({ phone: _gone, ...rest }) => rest);
          }}
        />
      )}
    </FormModal>
  );
}
