import { Accordion, Alert, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { OTP_ENROLL_TEXTS } from '../../../../shared/methodTexts';
import type { EnrolledFactor } from '../../../../shared/schemas/factors';
import { errorMessage, fieldErrors, formError, useTRPC } from '../../api/trpc';
import { ModalForm } from '../common/ModalForm';
import { formatDateTime } from '../../lib/format';
import { checkEnrollFactor } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { CodeInput } from '../common/CodeInput';
import { SegmentedField } from '../common/SegmentedField';
import { OtpEnrollPanel } from '../common/OtpEnrollPanel';

interface Form {
  type: 'totp' | 'hotp';
  label: string;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: '6' | '8';
  period: '30' | '60';
}
const DEFAULTS: Form = { type: 'totp', label: '', algorithm: 'SHA1', digits: '6', period: '30' };

/**
 * Enrolls a TOTP or HOTP factor for a user: choose the type (and, under
 * "Advanced", non-default parameters), then the QR and the secret are shown
 * once, and the first code from the device confirms the factor.
 */
export function EnrollFactorModal({ username, opened, onClose }: { username: string; opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(DEFAULTS);
  const [enrolled, setEnrolled] = useState<EnrolledFactor | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const enroll = useMutation(trpc.users.enrollOtp.mutationOptions());
  const confirm = useMutation(trpc.users.confirmFactor.mutationOptions());

  useEffect(() => {
    if (opened) {
      setForm(DEFAULTS);
      setErrors({});
      setEnrolled(null);
      setCode('');
      setCodeError(null);
      enroll.reset();
      confirm.reset();
    }
  }, [opened]);

  const refresh = () => {
    void queryClient.invalidateQueries(trpc.users.get.queryFilter({ username }));
    void queryClient.invalidateQueries(trpc.audit.forUser.pathFilter());
    void queryClient.invalidateQueries(trpc.users.list.pathFilter());
    void queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter());
  };

  const {
    errors,
    setErrors,
    submit: start,
  } = useCheckedSubmit(
    () => checkEnrollFactor(form),
    async (factor) => {
      setEnrolled(await enroll.mutateAsync({ username, factor }));
      refresh();
    },
  );

  const finish = async () => {
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6,8}$/.test(digits)) {
      setCodeError(`Enter the ${form.digits}-digit code the device shows`);
      return;
    }
    setCodeError(null);
    try {
      await confirm.mutateAsync({ username, factorId: enrolled!.id, code: digits });
      refresh();
      notifications.show({ color: 'teal', title: 'Factor enrolled', message: `${OTP_ENROLL_TEXTS[form.type].device} now works for ${username}.` });
      onClose();
    } catch (err) {
      setCodeError(fieldErrors(err).code ?? errorMessage(err));
      setCode('');
    }
  };

  const setField =
    <K extends keyof Form>(k: K) =>
    (v: Form[K] | null) =>
      v !== null && setForm((f) => ({ ...f, [k]: v }));

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>{enrolled ? `Scan with ${username}’s device` : `Enroll a factor for ${username}`}</Text>}
      size="lg"
      centered
      closeOnClickOutside={!enrolled}
    >
      {!enrolled ? (
        <ModalForm onSubmit={start} error={formError(enroll.error)} onCancel={onClose} actionLabel="Show QR code" busy={enroll.isPending}>
          <SegmentedField
            id="factor-type-label"
            label="Type"
            value={form.type}
            onChange={setField('type')}
            data={(['totp', 'hotp'] as const).map((value) => ({ value, label: OTP_ENROLL_TEXTS[value].choice }))}
            hint={OTP_ENROLL_TEXTS[form.type].hint}
            gap={6}
            fullWidth
          />
          <TextInput
            label="Label"
            description="Optional: helps tell factors apart, e.g. “Work phone”"
            placeholder="Work phone"
            value={form.label}
            onChange={(e) => setField('label')(e.currentTarget.value)}
            error={errors.label}
            data-autofocus
          />
          <Accordion variant="contained" chevronPosition="left">
            <Accordion.Item value="advanced">
              <Accordion.Control>Advanced: algorithm, digits{form.type === 'totp' ? ', period' : ''}</Accordion.Control>
              <Accordion.Panel>
                <Stack gap="sm">
                  <Alert color="orange" variant="light">
                    <Text size="xs">
                      Some apps (Google Authenticator) ignore these settings and always use SHA-1, 6 digits, 30 seconds. Keep the defaults unless the device
                      needs others.
                    </Text>
                  </Alert>
                  <Group grow align="flex-start">
                    <Select
                      label="Algorithm"
                      value={form.algorithm}
                      onChange={(v) => setField('algorithm')(v as Form['algorithm'] | null)}
                      data={[
                        { value: 'SHA1', label: 'SHA-1 (default)' },
                        { value: 'SHA256', label: 'SHA-256' },
                        { value: 'SHA512', label: 'SHA-512' },
                      ]}
                      allowDeselect={false}
                      error={errors.algorithm}
                    />
                    <Select
                      label="Digits"
                      value={form.digits}
                      onChange={(v) => setField('digits')(v as Form['digits'] | null)}
                      data={[
                        { value: '6', label: '6 (default)' },
                        { value: '8', label: '8' },
                      ]}
                      allowDeselect={false}
                      error={errors.digits}
                    />
                    {form.type === 'totp' && (
                      <Select
                        label="Period"
                        value={form.period}
                        onChange={(v) => setField('period')(v as Form['period'] | null)}
                        data={[
                          { value: '30', label: '30 s (default)' },
                          { value: '60', label: '60 s' },
                        ]}
                        allowDeselect={false}
                        error={errors.period}
                      />
                    )}
                  </Group>
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </ModalForm>
      ) : (
        <ModalForm onSubmit={finish} onCancel={onClose} cancelLabel="Finish later" actionLabel="Confirm factor" busy={confirm.isPending}>
          <OtpEnrollPanel otpauthUri={enrolled.otpauthUri} secret={enrolled.secret} account={username} />
          <Text size="xs" c="dimmed">
            The secret is shown now only. Until it is confirmed with a code the factor is pending, and it expires {formatDateTime(enrolled.expiresAt)}.
          </Text>
          <CodeInput label={`${form.digits}-digit code from the device`} value={code} onChange={(e) => setCode(e.currentTarget.value)} error={codeError} />
        </ModalForm>
      )}
    </Modal>
  );
}
