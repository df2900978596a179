import { Divider, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { METHOD_LABELS, METHODS, type Method } from '../../../../shared/schemas/methods';
import { MethodDisplayName, SettingsPatch, type Settings } from '../../../../shared/schemas/settings';
import { formError, useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';
import { useCheckedSubmit, type Checked } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';
import { SaveButtons, SettingSwitch } from './SettingParts';
import { Section } from './SettingsForm';
import './settings.css';

export const METHOD_POLICY_FIELDS = ['methodNames', 'appsMayRemove'] as const;

export interface MethodPolicyValues {
  /** As typed; empty: the built-in name. */
  names: Record<Method, string>;
  appsMayRemove: Record<Method, boolean>;
}

/**
 * What the removal switches are called (the row shows the method's name): not
 * the built-in labels, which already name the switches of the methods card.
 */
const SHORT_NAMES: Record<Method, string> = { totp: 'TOTP', hotp: 'HOTP', recovery: 'recovery-code', webauthn: 'security-key', email: 'email', sms: 'SMS' };

/** A name's field key: the path the server names it by too. */
export const nameKey = (m: Method) => `methodNames.${m}`;

export function methodPolicyValues(s: Settings): MethodPolicyValues {
  return {
    names: Object.fromEntries(METHODS.map((m) => [m, s.methodNames[m] ?? ''])) as Record<Method, string>,
    appsMayRemove: Object.fromEntries(METHODS.map((m) => [m, s.appsMayRemove[m] ?? true])) as Record<Method, boolean>,
  };
}

/**
 * The values as typed → the settings patch: each name checked with the
 * server's MethodDisplayName on its own field (an empty one is left out, so
 * the method keeps its built-in name); only the methods applications may
 * not remove are listed (the default is that they may). Both objects are
 * sent whole: the server replaces each.
 */
export function checkMethodPolicies(v: MethodPolicyValues): Checked<Pick<Settings, 'methodNames' | 'appsMayRemove'>> {
  const errors: Record<string, string> = {};
  const methodNames: Partial<Record<Method, string>> = {};
  for (const m of METHODS) {
    if (v.names[m].trim() === '') continue;
    const r = checkForm(MethodDisplayName, v.names[m]);
    if (r.ok) methodNames[m] = r.data;
    else errors[nameKey(m)] = r.errors._ ?? 'Not a valid name';
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const appsMayRemove = Object.fromEntries(METHODS.filter((m) => !v.appsMayRemove[m]).map((m) => [m, false]));
  const r = checkForm(SettingsPatch, { methodNames, appsMayRemove });
  return r.ok ? { ok: true, data: r.data as Pick<Settings, 'methodNames' | 'appsMayRemove'> } : r;
}

/**
 * What methods are called here (mfa2's renamed methods: "Backup codes" for
 * recovery codes), and which methods the organisation owns: applications
 * may not remove those factors, only operators may.
 */
export function MethodPoliciesCard({ settings }: { settings: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const initial = methodPolicyValues(settings);
  const [values, setValues] = useState<MethodPolicyValues>(initial);
  const dirty = METHODS.some((m) => values.names[m] !== initial.names[m] || values.appsMayRemove[m] !== initial.appsMayRemove[m]);
  const save = useMutation(trpc.settings.update.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkMethodPolicies(values),
    async (patch) => {
      const next = await save.mutateAsync(patch);
      setValues(methodPolicyValues(next));
      notifications.show({
        color: 'green',
        title: 'Method names and removal saved',
        message: 'The console and applications see them at once; the change is in the audit log.',
      });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() });
      // Factor lists carry the names and who may remove them.
      await queryClient.invalidateQueries(trpc.users.get.pathFilter());
    },
  );
  const common = { readOnly: !canEdit, disabled: save.isPending };

  return (
    <Paper
      withBorder
      p="lg"
      radius="md"
      component="form"
      noValidate
      aria-labelledby="method-policies-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack gap={4} mb="lg">
        <Title order={3} id="method-policies-title">
          Method names and removal
        </Title>
        <Text size="sm" c="dimmed" maw={760}>
          How each method is named, and who may remove its factors.
        </Text>
      </Stack>
      <Stack gap="xl">
        <Section
          title="Method names"
          description="Your own name for a method, shown in this console, on enrollment sheets and in the REST API’s factor lists. Leave a field empty to keep the built-in name."
        >
          <div className="method-names">
            {METHODS.map((m) => (
              <TextInput
                key={m}
                {...common}
                label={METHOD_LABELS[m]}
                placeholder={METHOD_LABELS[m]}
                value={values.names[m]}
                onChange={(e) => {
                  const name = e.currentTarget.value;
                  setValues((v) => ({ ...v, names: { ...v.names, [m]: name } }));
                  clearError(nameKey(m));
                }}
                error={errors[nameKey(m)]}
                maxLength={64}
              />
            ))}
          </div>
        </Section>

        <Divider />
        <Section
          title="Who may remove factors"
          description="Some factors belong to the organisation rather than the user: hardware tokens it hands out, security keys it issued. For such a method, turn “Applications may remove” off: applications (API keys) are then refused when they remove one of its factors or reset a user who has one, and only helpdesk and administrators can, here in the console."
        >
          <Stack gap="sm">
            {METHODS.map((m, i) => (
              <Stack key={m} gap="sm">
                {i > 0 && <Divider variant="dashed" />}
                <SettingSwitch
                  id={`apps-may-remove-${m}`}
                  label={values.names[m].trim() || METHOD_LABELS[m]}
                  switchLabel={`Applications may remove ${SHORT_NAMES[m]} factors`}
                  description={values.appsMayRemove[m] ? 'Applications may remove its factors.' : 'Only operators can remove its factors.'}
                  checked={values.appsMayRemove[m]}
                  onChange={(on) => setValues((v) => ({ ...v, appsMayRemove: { ...v.appsMayRemove, [m]: on } }))}
                  canEdit={canEdit}
                  disabled={save.isPending}
                />
              </Stack>
            ))}
          </Stack>
        </Section>

        {canEdit && (
          <SaveButtons
            label="Save names and removal"
            dirty={dirty}
            saving={save.isPending}
            refusal={formError(save.error)}
            onDiscard={() => {
              setValues(initial);
              setErrors({});
            }}
          />
        )}
      </Stack>
    </Paper>
  );
}
