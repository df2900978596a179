import { Badge, Button, Group, Stack, Switch, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A setting that is on or off, with its name and what it does: a switch
 * for admins, an On/Off badge for everyone else (a disabled switch would
 * read as "cannot be changed right now").
 */
export function SettingSwitch({
  id,
  label,
  description,
  checked,
  onChange,
  canEdit,
  disabled,
  switchLabel,
}: {
  id: string;
  label: string;
  /** The switch's own accessible name, when the row's label alone would not say what it turns on. */
  switchLabel?: string;
  description?: ReactNode;
  checked: boolean;
  onChange: (on: boolean) => void;
  canEdit: boolean;
  disabled?: boolean;
}) {
  return (
    <Group justify="space-between" align="flex-start" wrap="nowrap" gap="lg">
      <Stack gap={2} miw={0}>
        <Text fw={600} size="sm" id={`${id}-label`}>
          {label}
        </Text>
        {description && (
          <Text size="sm" c="dimmed" id={`${id}-description`}>
            {description}
          </Text>
        )}
      </Stack>
      {canEdit ? (
        <Switch
          className="method-state"
          size="md"
          checked={checked}
          onChange={(e) => onChange(e.currentTarget.checked)}
          {...(switchLabel ? { 'aria-label': switchLabel } : { 'aria-labelledby': `${id}-label` })}
          aria-describedby={description ? `${id}-description` : undefined}
          label={checked ? 'On' : 'Off'}
          disabled={disabled}
        />
      ) : (
        <Badge
          className="method-state"
          color={checked ? 'green' : 'gray'}
          variant="light"
          size="lg"
          aria-label={`${switchLabel ?? label}: ${checked ? 'on' : 'off'}`}
        >
          {checked ? 'On' : 'Off'}
        </Badge>
      )}
    </Group>
  );
}

/** A settings card's Save and Discard (admins only: the card leaves them out for other roles), and a refusal no field shows. */
export function SaveButtons({
  label,
  dirty,
  saving,
  refusal,
  onDiscard,
}: {
  label: string;
  dirty: boolean;
  saving: boolean;
  refusal: string | null;
  onDiscard: () => void;
}) {
  return (
    <Group gap="sm">
      <Button type="submit" loading={saving} disabled={!dirty}>
        {label}
      </Button>
      <Button variant="default" disabled={!dirty || saving} onClick={onDiscard}>
        Discard changes
      </Button>
      {refusal && !saving && (
        <Text c="red" size="sm" role="alert">
          {refusal}
        </Text>
      )}
    </Group>
  );
}
