import { Alert, Button, Group, Modal, PasswordInput, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PASSWORD_RULES_TEXT, TEMPORARY_PASSWORD_DAYS } from '../../../../shared/passwordRules';
import type { OperatorView, ResetOperatorPasswordResult } from '../../../../shared/schemas/operators';
import { formError, useTRPC } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { FormModal } from '../common/ModalForm';
import { ShownOnceSecret } from '../common/ShownOnceSecret';
import { reauthInput, ReauthField } from '../profile/ReauthField';
import { checkTypedTemporaryPassword } from '../profile/passwordChecks';

type Mode = 'generate' | 'type';

/**
 * An administrator gives another operator a temporary password: generated
 * (shown once, after) or typed. They must choose their own at next sign-in;
 * their sessions end now. The administrator confirms it is them first — a
 * left-open console must not be enough to take over anyone's sign-in.
 */
export function ResetPasswordModal({ operator, onClose }: { operator: OperatorView; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('generate');
  const [password, setPassword] = useState('');
  const [reauth, setReauth] = useState('');
  const [done, setDone] = useState<ResetOperatorPasswordResult | null>(null);
  const reset = useMutation(trpc.operators.resetPassword.mutationOptions());
  const { errors, clearError, submit } = useCheckedSubmit(
    () => {
      const errs: Record<string, string> = {};
      let typed: string | undefined;
      if (mode === 'type') {
        const c = checkTypedTemporaryPassword(password, operator.username);
        if (c.ok) typed = c.data;
        else Object.assign(errs, c.errors);
      }
      if (reauth.trim() === '') errs.reauth = 'Type your password, or a code from your authenticator app.';
      if (Object.keys(errs).length > 0) return { ok: false as const, errors: errs };
      return { ok: true as const, data: { id: operator.id, reauth: reauthInput(reauth), ...(typed !== undefined ? { password: typed } : {}) } };
    },
    async (input) => {
      const r = await reset.mutateAsync(input);
      setReauth('');
      setPassword('');
      await queryClient.invalidateQueries({ queryKey: trpc.operators.list.queryKey() });
      setDone(r);
    },
  );

  if (done) {
    return (
      <Modal opened onClose={onClose} title={`${operator.username}’s password is reset`} centered size="lg" closeOnClickOutside={false}>
        <Stack gap="md">
          {done.temporaryPassword ? (
            <>
              <Text size="sm">Give them this temporary password in person or over the phone — not by email or chat:</Text>
              <ShownOnceSecret value={done.temporaryPassword} label="The temporary password" copyLabel="Copy" testId="temporary-password">
                Tessera keeps only a hash of it. If it is lost, reset the password again.
              </ShownOnceSecret>
            </>
          ) : (
            <Text size="sm">Give them the password you typed, in person or over the phone.</Text>
          )}
          <Text size="sm">
            It works until {formatDateTime(done.expiresAt)}. After signing in with it (and their authenticator code) they must choose their own before anything
            else.{' '}
            {done.sessionsEnded > 0
              ? `They were signed out of ${done.sessionsEnded === 1 ? 'their session' : `${done.sessionsEnded} sessions`}.`
              : 'They had no open session.'}
          </Text>
          <Group justify="flex-end">
            <Button onClick={onClose} data-autofocus>
              Done
            </Button>
          </Group>
        </Stack>
      </Modal>
    );
  }

  return (
    <FormModal
      opened
      onClose={onClose}
      title={`Reset ${operator.username}’s password`}
      size="lg"
      onSubmit={submit}
      error={formError(reset.error)}
      actionLabel="Reset password"
      actionColor="red"
      busy={reset.isPending}
    >
      <Text size="sm">
        They get a temporary password that works for {TEMPORARY_PASSWORD_DAYS} days and must choose their own at their next sign-in. They are signed out now.
        Their authenticator app keeps working, so the temporary password alone does not let anyone — you included — sign in as them. If they lost their phone
        too, also use Reset second factor.
      </Text>
      {operator.role === 'admin' && (
        <Alert color="orange" variant="light" role="status">
          {operator.username} is an administrator. The reset is recorded in the audit log under your name, and they will see at sign-in that their password was
          set by someone else.
        </Alert>
      )}
      <Radio.Group
        label="Temporary password"
        value={mode}
        onChange={(v) => {
          setMode(v as Mode);
          clearError('password');
        }}
      >
        <Stack gap="xs" mt={6}>
          <Radio value="generate" label="Generate one (shown once, after the reset)" />
          <Radio value="type" label="Type one" />
        </Stack>
      </Radio.Group>
      {mode === 'type' && (
        <PasswordInput
          label="Temporary password to give them"
          description={PASSWORD_RULES_TEXT}
          value={password}
          onChange={(e) => {
            setPassword(e.currentTarget.value);
            clearError('password');
          }}
          error={errors.password}
          autoComplete="new-password"
          required
        />
      )}
      <ReauthField
        value={reauth}
        onChange={(v) => {
          setReauth(v);
          clearError('reauth');
        }}
        error={errors.reauth}
        description="Yours: confirms it is you before another operator’s password changes."
      />
    </FormModal>
  );
}
