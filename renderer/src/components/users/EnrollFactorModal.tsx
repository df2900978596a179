import { Accordion, Alert, Badge, Group, Modal, Radio, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { FACTOR_TYPE_LABELS, METHOD_TEXTS, OTP_ENROLL_TEXTS, OTP_PARAMETER_NOTES } from '../../../../shared/methodTexts';
import {
  EnrollDeliveredInput,
  type EnrolledDeliveredFactor,
  type EnrolledFactor,
  type EnrollFactorInput,
  type FactorView,
} from '../../../../shared/schemas/factors';
import type { DeliveredType } from '../../../../shared/schemas/methods';
import { parsePhone } from '../../../../shared/schemas/phone';
import { Email } from '../../../../shared/schemas/text';
import { errorMessage, fieldErrors, formError, useTRPC } from '../../api/trpc';
import { ModalForm } from '../common/ModalForm';
import { formatDateTime } from '../../lib/format';
import { checkEnrollFactor } from '../../lib/formChecks';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import { CodeInput } from '../common/CodeInput';
import { OtpEnrollPanel } from '../common/OtpEnrollPanel';
import { checkForm } from '../../lib/zodForm';
import { useMethodNames, type MethodNamer } from '../../lib/useMethodNames';
import { DeliveredCodeStep } from './DeliveredCodeStep';
import { RefusalAlert, refusalOf } from './deliveryRefusal';
import { useEnrollOptions } from './useEnrollOptions';
import './users.css';

type FactorChoice = 'totp' | 'hotp' | DeliveredType;

interface Form {
  type: FactorChoice;
  label: string;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: '6' | '8';
  period: '30' | '60';
  /** Email or SMS: where the code goes (blank: the user's own email or phone). */
  destination: string;
}
const DEFAULTS: Form = { type: 'totp', label: '', algorithm: 'SHA1', digits: '6', period: '30', destination: '' };

const CHOICE_LABELS: Record<FactorChoice, string> = {
  totp: OTP_ENROLL_TEXTS.totp.choice,
  hotp: OTP_ENROLL_TEXTS.hotp.choice,
  email: 'Email code',
  sms: 'Text message (SMS)',
};

const isDelivered = (t: FactorChoice): t is DeliveredType => t === 'email' || t === 'sms';

/** The email/SMS form checked as the server will: the shared schema, the address as an Email, the number by parsePhone. */
function checkDelivered(form: Form, phoneOnFile: boolean): { ok: true; data: EnrollDeliveredInput } | { ok: false; errors: Record<string, string> } {
  const destination = form.destination.trim();
  if (destination === '' && form.type === 'email') return { ok: false, errors: { destination: 'Enter the email address the code goes to' } };
  if (destination === '' && form.type === 'sms' && !phoneOnFile) return { ok: false, errors: { destination: 'Enter the mobile number the code goes to' } };
  if (destination !== '' && form.type === 'email') {
    const e = checkForm(Email, destination);
    if (!e.ok) return { ok: false, errors: { destination: e.errors._ ?? 'Email is not a valid address' } };
  }
  if (destination !== '' && form.type === 'sms') {
    const p = parsePhone(destination);
    if (!p.ok) return { ok: false, errors: { destination: p.message } };
  }
  return checkForm(EnrollDeliveredInput, {
    type: form.type,
    ...(form.label.trim() ? { label: form.label } : {}),
    ...(destination ? { destination } : {}),
  });
}

/** The factor types as cards, two a row (a CSS grid: SimpleGrid injects a <style> the CSP refuses) (four names do not fit one segmented row); a Weaker badge on email and SMS. */
function FactorTypeChoice({
  choices,
  value,
  onChange,
  hint,
  methodName,
}: {
  methodName: MethodNamer;
  choices: FactorChoice[];
  value: FactorChoice;
  onChange: (t: FactorChoice) => void;
  hint: string;
}) {
  return (
    <Radio.Group
      label="Type"
      value={value}
      onChange={(v) => onChange(v as FactorChoice)}
      description={hint}
      inputWrapperOrder={['label', 'input', 'description']}
    >
      <div className="factor-choices">
        {choices.map((c) => (
          <Radio.Card key={c} value={c} radius="md" p="xs" className="factor-choice">
            <Group gap="xs" wrap="nowrap">
              <Radio.Indicator size="xs" />
              <Text size="sm" fw={500}>
                {methodName(c, CHOICE_LABELS[c])}
              </Text>
            </Group>
          </Radio.Card>
        ))}
      </div>
    </Radio.Group>
  );
}

/** What the page knows of the user: the email in full, the phone masked (or null). */
export interface EnrollFor {
  email: string | null;
  phone: string | null;
}

/**
 * Enrolls a factor for a user. TOTP or HOTP: choose the type (and, under
 * "Advanced", non-default parameters), then the QR and the secret are shown
 * once, and the first code from the device confirms the factor. Email or
 * SMS (when those methods are on): a destination, then a code is sent and
 * the code the user received confirms it.
 */
export function EnrollFactorModal({
  username,
  user,
  factors,
  opened,
  onClose,
}: {
  username: string;
  user?: EnrollFor;
  /** The user's factors: their method names stand in for the admin's when this operator cannot read the settings. */
  factors?: readonly FactorView[];
  opened: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const methodName = useMethodNames(factors);
  const queryClient = useQueryClient();
  const { methods } = useEnrollOptions();
  const [form, setForm] = useState<Form>(DEFAULTS);
  const [enrolled, setEnrolled] = useState<EnrolledFactor | null>(null);
  const [delivered, setDelivered] = useState<EnrolledDeliveredFactor | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const enroll = useMutation(trpc.users.enrollOtp.mutationOptions());
  const enrollDelivered = useMutation(trpc.users.enrollDelivered.mutationOptions());
  const confirm = useMutation(trpc.users.confirmFactor.mutationOptions());
  // Email and SMS are offered when on (or when this operator cannot read the settings: the server then says if they are off).
  const choices: FactorChoice[] = ['totp', 'hotp', ...(['email', 'sms'] as const).filter((m) => methods === null || methods[m])];
  const phoneOnFile = !!user?.phone;

  useEffect(() => {
    if (opened) {
      setForm(DEFAULTS);
      setErrors({});
      setEnrolled(null);
      setDelivered(null);
      setCode('');
      setCodeError(null);
      enroll.reset();
      enrollDelivered.reset();
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
  } = useCheckedSubmit<EnrollFactorInput | EnrollDeliveredInput>(
    () => (isDelivered(form.type) ? checkDelivered(form, phoneOnFile) : checkEnrollFactor({ ...form, type: form.type })),
    async (factor) => {
      if ('destination' in factor || isDelivered(factor.type))
        setDelivered(await enrollDelivered.mutateAsync({ username, factor: factor as EnrollDeliveredInput }));
      else setEnrolled(await enroll.mutateAsync({ username, factor: factor as EnrollFactorInput }));
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
      notifications.show({
        color: 'teal',
        title: 'Factor enrolled',
        message: `${OTP_ENROLL_TEXTS[form.type === 'hotp' ? 'hotp' : 'totp'].device} now works for ${username}.`,
      });
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

  const deliveredType = isDelivered(form.type) ? form.type : null;
  const title = enrolled
    ? `Scan with ${username}’s device`
    : delivered
      ? `Confirm ${methodName(delivered.type, FACTOR_TYPE_LABELS[delivered.type]).toLowerCase()} for ${username}`
      : `Enroll a factor for ${username}`;
  const deliveredRefusal = enrollDelivered.error && Object.keys(fieldErrors(enrollDelivered.error)).length === 0 ? refusalOf(enrollDelivered.error) : null;

  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>{title}</Text>} size="lg" centered closeOnClickOutside={!enrolled && !delivered}>
      {delivered ? (
        <DeliveredCodeStep
          username={username}
          factor={delivered}
          intro="sent"
          onCancel={onClose}
          onConfirmed={() => {
            refresh();
            notifications.show({
              color: 'teal',
              title: 'Factor enrolled',
              message: `${methodName(delivered.type, FACTOR_TYPE_LABELS[delivered.type])} to ${delivered.destination} now works for ${username}.`,
            });
            onClose();
          }}
        />
      ) : !enrolled ? (
        <ModalForm
          onSubmit={start}
          error={deliveredType ? null : formError(enroll.error)}
          onCancel={onClose}
          actionLabel={deliveredType ? 'Send code' : 'Show QR code'}
          busy={enroll.isPending || enrollDelivered.isPending}
        >
          <FactorTypeChoice
            methodName={methodName}
            choices={choices}
            value={form.type}
            onChange={(t) => {
              setField('type')(t);
              setErrors({});
              enrollDelivered.reset();
              enroll.reset();
              setForm((f) => ({ ...f, destination: t === 'email' ? (user?.email ?? '') : '' }));
            }}
            hint={deliveredType ? METHOD_TEXTS[deliveredType].description : OTP_ENROLL_TEXTS[form.type === 'hotp' ? 'hotp' : 'totp'].hint}
          />
          {deliveredType && METHOD_TEXTS[deliveredType].warning && (
            <Alert
              color="orange"
              variant="light"
              title={
                <Group gap={6}>
                  <Badge size="xs" color="orange" variant="filled">
                    {METHOD_TEXTS[deliveredType].warning.badge}
                  </Badge>
                  {METHOD_TEXTS[deliveredType].warning.title}
                </Group>
              }
            >
              <Text size="xs">{METHOD_TEXTS[deliveredType].warning.text}</Text>
            </Alert>
          )}
          <TextInput
            label="Label"
            description={deliveredType ? 'Optional: helps tell factors apart, e.g. “Personal mail”' : 'Optional: helps tell factors apart, e.g. “Work phone”'}
            placeholder={deliveredType === 'email' ? 'Personal mail' : 'Work phone'}
            value={form.label}
            onChange={(e) => setField('label')(e.currentTarget.value)}
            error={errors.label}
            data-autofocus
          />
          {deliveredType === 'email' && (
            <TextInput
              label="Email address"
              description="Where the codes go. The user’s email is filled in; another address works too."
              type="email"
              value={form.destination}
              onChange={(e) => setField('destination')(e.currentTarget.value)}
              error={errors.destination}
              autoComplete="off"
            />
          )}
          {deliveredType === 'sms' && (
            <TextInput
              label="Mobile number"
              description={
                phoneOnFile
                  ? `With its country code, e.g. +44 7911 123456 — leave empty to use the number on file (${user?.phone})`
                  : 'With its country code, e.g. +44 7911 123456'
              }
              type="tel"
              value={form.destination}
              onChange={(e) => setField('destination')(e.currentTarget.value)}
              onBlur={() => {
                const typed = form.destination.trim();
                if (typed === '') return;
                const p = parsePhone(typed);
                setErrors((errs) => {
                  const { destination: _old, ...rest } = errs;
                  return p.ok ? rest : { ...rest, destination: p.message };
                });
              }}
              error={errors.destination}
              autoComplete="off"
            />
          )}
          {deliveredType ? (
            <RefusalAlert refusal={deliveredRefusal} />
          ) : (
            <Accordion variant="contained" chevronPosition="left">
              <Accordion.Item value="advanced">
                <Accordion.Control>Advanced: algorithm, digits{form.type === 'totp' ? ', period' : ''}</Accordion.Control>
                <Accordion.Panel>
                  <Stack gap="sm">
                    <Alert color="orange" variant="light">
                      <Text size="xs">{OTP_PARAMETER_NOTES[form.type === 'hotp' ? 'hotp' : 'totp']} Keep the defaults unless the device needs others.</Text>
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
          )}
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
