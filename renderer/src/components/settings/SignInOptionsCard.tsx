import { Divider, Group, NativeSelect, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { SettingsPatch, type Settings } from '../../../../shared/schemas/settings';
import { formError, useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';
import { useCheckedSubmit, type Checked } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';
import { SaveButtons, SettingSwitch } from './SettingParts';
import { Section } from './SettingsForm';
import './settings.css';

export const SIGN_IN_OPTION_FIELDS = ['rememberDevices', 'rememberDeviceMaxDays', 'recheck', 'recheckMinSeconds', 'recheckMaxSeconds'] as const;
type Field = (typeof SIGN_IN_OPTION_FIELDS)[number];

/** Re-check intervals are typed in minutes or hours and stored in seconds. */
export type IntervalUnit = 'min' | 'h';
const UNIT_SECONDS: Record<IntervalUnit, number> = { min: 60, h: 3600 };
const LONGEST_SECONDS = 30 * 24 * 3600;

/** NumberInput gives '' for an empty field. */
type NumberValue = number | string;

export interface SignInOptionValues {
  rememberDevices: boolean;
  rememberDeviceMaxDays: NumberValue;
  recheck: boolean;
  recheckMin: NumberValue;
  recheckMinUnit: IntervalUnit;
  recheckMax: NumberValue;
  recheckMaxUnit: IntervalUnit;
}

/** Whole hours show as hours, anything else as minutes (90 s: 1.5 min). */
function interval(seconds: number): { value: number; unit: IntervalUnit } {
  return seconds % 3600 === 0 ? { value: seconds / 3600, unit: 'h' } : { value: seconds / 60, unit: 'min' };
}

export function signInOptionValues(s: Settings): SignInOptionValues {
  const min = interval(s.recheckMinSeconds);
  const max = interval(s.recheckMaxSeconds);
  return {
    rememberDevices: s.rememberDevices,
    rememberDeviceMaxDays: s.rememberDeviceMaxDays,
    recheck: s.recheck,
    recheckMin: min.value,
    recheckMinUnit: min.unit,
    recheckMax: max.value,
    recheckMaxUnit: max.unit,
  };
}

const numberOf = (v: NumberValue): number => (typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v));

/** An interval as typed → seconds, or why not, in the unit the admin typed it in. */
function intervalSeconds(value: NumberValue, unit: IntervalUnit, which: string): number | string {
  const n = numberOf(value);
  if (!Number.isFinite(n)) return `Enter the ${which} interval`;
  const seconds = Math.round(n * UNIT_SECONDS[unit]);
  if (seconds < 60) return 'At least 1 minute';
  if (seconds > LONGEST_SECONDS) return 'At most 30 days (720 hours)';
  return seconds;
}

/**
 * The values as typed → the settings patch, checked with the server's
 * SettingsPatch (which also says when the longest interval is below the
 * shortest); empty numbers and out-of-range intervals are said in words first.
 */
export function checkSignInOptions(v: SignInOptionValues): Checked<Pick<Settings, Field>> {
  const pre: Record<string, string> = {};
  const days = numberOf(v.rememberDeviceMaxDays);
  if (!Number.isFinite(days)) pre.rememberDeviceMaxDays = 'Enter the longest life in days (1–365)';
  const min = intervalSeconds(v.recheckMin, v.recheckMinUnit, 'shortest');
  const max = intervalSeconds(v.recheckMax, v.recheckMaxUnit, 'longest');
  if (typeof min === 'string') pre.recheckMinSeconds = min;
  if (typeof max === 'string') pre.recheckMaxSeconds = max;
  if (Object.keys(pre).length) return { ok: false, errors: pre };
  const r = checkForm(SettingsPatch, {
    rememberDevices: v.rememberDevices,
    rememberDeviceMaxDays: days,
    recheck: v.recheck,
    recheckMinSeconds: min,
    recheckMaxSeconds: max,
  });
  return r.ok ? { ok: true, data: r.data as Pick<Settings, Field> } : r;
}

const UNITS = [
  { value: 'min', label: 'minutes' },
  { value: 'h', label: 'hours' },
];

/**
 * Remembered devices (an application may let a device skip codes for a
 * while) and re-checks (each verify says when to ask again). Admins edit,
 * everyone else reads.
 */
export function SignInOptionsCard({ settings }: { settings: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('admin');
  const initial = signInOptionValues(settings);
  const [values, setValues] = useState<SignInOptionValues>(initial);
  const dirty = (Object.keys(initial) as (keyof SignInOptionValues)[]).some((k) => String(values[k]) !== String(initial[k]));
  const save = useMutation(trpc.settings.update.mutationOptions());
  const { errors, setErrors, clearError, submit } = useCheckedSubmit(
    () => checkSignInOptions(values),
    async (patch) => {
      const next = await save.mutateAsync(patch);
      setValues(signInOptionValues(next));
      notifications.show({ color: 'green', title: 'Sign-in options saved', message: 'They apply from the next verify; the change is in the audit log.' });
      await queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() });
    },
  );
  const set = <K extends keyof SignInOptionValues>(key: K, value: SignInOptionValues[K], errorKey: Field) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(errorKey);
  };
  const common = { readOnly: !canEdit, disabled: save.isPending };

  const intervalInput = (which: 'Min' | 'Max', label: string, description: string) => {
    const valueKey = `recheck${which}` as const;
    const unitKey = `recheck${which}Unit` as const;
    const errorKey = `recheck${which}Seconds` as const;
    return (
      <NumberInput
        {...common}
        label={label}
        description={description}
        min={0}
        allowNegative={false}
        decimalScale={2}
        clampBehavior="none"
        value={values[valueKey]}
        onChange={(v) => set(valueKey, v, errorKey)}
        error={errors[errorKey]}
        w={280}
        // The unit beside the number, under the same label and above the same error.
        inputContainer={(input) => (
          <div className="interval-field">
            {input}
            <NativeSelect
              aria-label={`Unit of the ${label.toLowerCase()}`}
              data={UNITS}
              value={values[unitKey]}
              disabled={!canEdit || save.isPending}
              onChange={(e) => set(unitKey, e.currentTarget.value as IntervalUnit, errorKey)}
            />
          </div>
        )}
      />
    );
  };

  return (
    <Paper
      withBorder
      p="lg"
      radius="md"
      component="form"
      noValidate
      aria-labelledby="sign-in-options-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack gap={4} mb="lg">
        <Title order={3} id="sign-in-options-title">
          Sign-in options
        </Title>
        <Text size="sm" c="dimmed" maw={760}>
          What applications may offer around a code check. Both are off until an administrator turns them on.
        </Text>
      </Stack>
      <Stack gap="xl">
        <Section
          title="Remembered devices"
          description="After a right code, an application may ask Tessera to remember the device the user signed in on (“don’t ask again on this computer”). Until it expires, that application may then check the user with the device’s token instead of a code. Helpdesk sees and revokes remembered devices on the user page; a lost-device reset revokes them all."
        >
          <SettingSwitch
            id="remember-devices"
            label="Applications may remember devices"
            description="While off, no device is remembered and tokens already handed out are refused."
            checked={values.rememberDevices}
            onChange={(on) => set('rememberDevices', on, 'rememberDevices')}
            canEdit={canEdit}
            disabled={save.isPending}
          />
          <NumberInput
            {...common}
            label="Longest life"
            description="An application may ask for fewer days, never more (1–365). Applies to devices remembered from now on."
            min={1}
            max={365}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            suffix=" days"
            value={values.rememberDeviceMaxDays}
            onChange={(v) => set('rememberDeviceMaxDays', v, 'rememberDeviceMaxDays')}
            error={errors.rememberDeviceMaxDays}
            w={260}
          />
        </Section>

        <Divider />
        <Section
          title="Re-checks"
          description="Each successful verify then tells the application when to ask for a code again (recheckAfterSeconds): a random time between the shortest and the longest interval, so that re-checks do not all fall due at once."
        >
          <SettingSwitch
            id="recheck"
            label="Tell applications when to check again"
            checked={values.recheck}
            onChange={(on) => set('recheck', on, 'recheck')}
            canEdit={canEdit}
            disabled={save.isPending}
          />
          <Group align="flex-start" gap="lg" wrap="wrap">
            {intervalInput('Min', 'Shortest interval', 'From 1 minute to 30 days.')}
            {intervalInput('Max', 'Longest interval', 'Not below the shortest.')}
          </Group>
        </Section>

        {canEdit && (
          <SaveButtons
            label="Save sign-in options"
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
