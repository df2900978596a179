import { Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { formError, useTRPC } from '../../api/trpc';
import { FormModal } from '../common/ModalForm';
import { checkHotpResync } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { CodeInput } from '../common/CodeInput';

/** HOTP resync (RFC 4226 §7.4): two consecutive codes from the token move the counter forward. */
export function HotpResyncModal({ username, factorId, onClose }: { username: string; factorId: string | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [codes, setCodes] = useState({ code1: '', code2: '' });
  const resync = useMutation(trpc.users.resyncHotp.mutationOptions());
  const { errors, setErrors, submit } = useCheckedSubmit(
    () => checkHotpResync(codes),
    async (input) => {
      await resync.mutateAsync({ username, factorId: factorId!, ...input });
      void queryClient.invalidateQueries(trpc.users.get.queryFilter({ username }));
      void queryClient.invalidateQueries(trpc.audit.forUser.pathFilter());
      notifications.show({ color: 'teal', title: 'Token resynchronised', message: `The HOTP token of ${username} is back in step.` });
      onClose();
    },
  );
  useEffect(() => {
    setCodes({ code1: '', code2: '' });
    setErrors({});
    resync.reset();
  }, [factorId]);

  return (
    <FormModal
      opened={factorId !== null}
      onClose={onClose}
      title="Resynchronise HOTP token"
      onSubmit={submit}
      error={formError(resync.error)}
      actionLabel="Resynchronise"
      busy={resync.isPending}
    >
      <Text size="sm">
        When a token was pressed many times without signing in, its codes run ahead of Tessera. Press the button twice and type both codes, in order.
      </Text>
      <Group grow align="flex-start">
        <CodeInput
          label="First code"
          value={codes.code1}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setCodes((c) => ({ ...c, code1: v }));
          }}
          error={errors.code1}
          data-autofocus
        />
        <CodeInput
          label="Next code"
          value={codes.code2}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setCodes((c) => ({ ...c, code2: v }));
          }}
          error={errors.code2}
        />
      </Group>
    </FormModal>
  );
}
