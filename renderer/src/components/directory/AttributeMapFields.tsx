import { Select, Stack, Text, TextInput, Title } from '@mantine/core';
import type { MapValues } from './directoryForm';

const DISABLED_KINDS: { value: MapValues['disabledKind']; label: string }[] = [
  { value: 'none', label: 'Never' },
  { value: 'bitmask', label: 'A bit is set' },
  { value: 'equals', label: 'Value matches' },
  { value: 'present', label: 'Present' },
];

const GROUP_KINDS: { value: MapValues['groupsKind']; label: string }[] = [
  { value: 'none', label: 'Not read' },
  { value: 'memberOf', label: 'memberOf' },
  { value: 'groupSearch', label: 'Group search' },
];

/**
 * The attribute map's fields: which directory attribute fills which user
 * field (empty: not read), when an entry counts as disabled, and where a
 * user's groups come from. Errors are keyed by path (attributes.username,
 * attributes.disabled.attribute, …), as checkDirectory gives them.
 */
export function AttributeMapFields({
  values,
  onChange,
  errors,
  readOnly,
  disabled,
}: {
  values: MapValues;
  onChange: <K extends keyof MapValues>(key: K, value: MapValues[K], errorKey: string) => void;
  errors: Record<string, string>;
  readOnly: boolean;
  disabled: boolean;
}) {
  const common = { readOnly, disabled };
  const text = (key: keyof MapValues, errorKey: string, label: string, description: string, placeholder?: string) => (
    <TextInput
      {...common}
      label={label}
      description={description}
      placeholder={placeholder}
      value={values[key]}
      onChange={(e) => onChange(key, e.currentTarget.value, errorKey)}
      error={errors[errorKey]}
      classNames={{ input: 'directory-mono' }}
    />
  );

  return (
    <Stack gap="sm" data-testid="directory-attribute-map">
      <div>
        <Title order={4} size="h5">
          Attribute map
        </Title>
        <Text size="sm" c="dimmed">
          Which directory attribute fills which field. The directory type fills these; change any of them for a custom map.
        </Text>
      </div>
      <div className="directory-grid" data-cols="4">
        {text('username', 'attributes.username', 'Username attribute', 'Required: the sign-in name.', 'sAMAccountName')}
        {text('displayName', 'attributes.displayName', 'Display name attribute', 'Empty: not read.', 'displayName')}
        {text('email', 'attributes.email', 'Email attribute', 'Empty: not read.', 'mail')}
        {text('phone', 'attributes.phone', 'Phone attribute', 'Empty: not read.', 'mobile')}
      </div>
      <div className="directory-grid" data-cols="4">
        <Select
          {...common}
          label="Disabled when"
          description="AD: a bit of userAccountControl; OpenLDAP: e.g. employeeType."
          data={DISABLED_KINDS}
          value={values.disabledKind}
          allowDeselect={false}
          onChange={(v) => v && onChange('disabledKind', v as MapValues['disabledKind'], 'attributes.disabled')}
          error={errors['attributes.disabled']}
        />
        {values.disabledKind !== 'none' &&
          text(
            'disabledAttribute',
            'attributes.disabled.attribute',
            'Disabled attribute',
            values.disabledKind === 'bitmask' ? 'A number, e.g. userAccountControl.' : 'e.g. employeeType, nsAccountLock.',
          )}
        {values.disabledKind === 'bitmask' && text('disabledMask', 'attributes.disabled.mask', 'Disabled bit (mask)', 'Decimal or 0x hex. AD: 0x2.')}
        {values.disabledKind === 'equals' && text('disabledValue', 'attributes.disabled.value', 'Disabled value', 'Case-insensitive, e.g. disabled or TRUE.')}
      </div>
      <div className="directory-grid" data-cols="4">
        <Select
          {...common}
          label="Groups from"
          description="memberOf on the user, or groups listing members."
          data={GROUP_KINDS}
          value={values.groupsKind}
          allowDeselect={false}
          onChange={(v) => v && onChange('groupsKind', v as MapValues['groupsKind'], 'attributes.groups')}
          error={errors['attributes.groups']}
        />
        {values.groupsKind === 'memberOf' &&
          text('groupsAttribute', 'attributes.groups.attribute', 'Group attribute', 'Holds the DNs of the groups.', 'memberOf')}
        {values.groupsKind === 'groupSearch' && (
          <>
            {text('groupBaseDn', 'attributes.groups.baseDn', 'Group base DN', 'Empty: under the base DN.', 'ou=groups,dc=example,dc=org')}
            {text('groupFilter', 'attributes.groups.filter', 'Group filter', 'Which entries are groups.', '(objectClass=groupOfNames)')}
            {text('memberAttribute', 'attributes.groups.memberAttribute', 'Member attribute', "Lists the members' DNs.", 'member')}
          </>
        )}
      </div>
    </Stack>
  );
}
