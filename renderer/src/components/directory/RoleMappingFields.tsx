import { ActionIcon, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { OPERATOR_ROLES, ROLE_LABELS, type OperatorRole } from '../../../../shared/schemas/operators';
import { IconPlus } from '../common/icons';
import type { RoleLine } from './directoryForm';

/** The most lines the schema allows (RoleMapping: at most 20). */
const MAX_LINES = 20;

const ROLES = OPERATOR_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

/**
 * The optional operator role mapping: lines of "group → role". An operator
 * whose username is a directory user's gets the role of the first line whose
 * group that user is in; a group is its name (VPN-Users) or its whole DN
 * (cn=VPN-Users,ou=groups,dc=example,dc=org: that group only). Errors by
 * path (roleMapping.0.group), as checkDirectory gives them.
 */
export function RoleMappingFields({
  lines,
  onChange,
  errors,
  readOnly,
  disabled,
}: {
  lines: RoleLine[];
  onChange: (lines: RoleLine[], errorKey?: string) => void;
  errors: Record<string, string>;
  readOnly: boolean;
  disabled: boolean;
}) {
  const common = { readOnly, disabled };
  const set = (i: number, line: Partial<RoleLine>, errorKey: string) =>
    onChange(
      lines.map((l, j) => (j === i ? { ...l, ...line } : l)),
      errorKey,
    );

  return (
    <Stack gap="sm" data-testid="directory-role-mapping">
      <div>
        <Title order={4} size="h5">
          Operator roles from groups (optional)
        </Title>
        <Text size="sm" c="dimmed">
          An operator whose username is a directory user&apos;s gets the role of the first line whose group that user is in, at each sync. A group by its name,
          or by its DN for exactly that group. Without lines, roles are set by hand on the Operators page.
        </Text>
      </div>
      {lines.length === 0 && (
        <Text size="sm" c="dimmed" fs="italic">
          No mapping: the sync leaves operator roles alone.
        </Text>
      )}
      {lines.map((line, i) => (
        <Group key={i} align="flex-start" gap="sm" wrap="nowrap" data-testid={`role-line-${i + 1}`}>
          <Text size="sm" c="dimmed" w={24} pt={8}>
            {i + 1}.
          </Text>
          <TextInput
            {...common}
            aria-label={`Group of line ${i + 1}`}
            placeholder="Tessera-Admins or cn=Tessera-Admins,ou=groups,dc=example,dc=org"
            value={line.group}
            onChange={(e) => set(i, { group: e.currentTarget.value }, `roleMapping.${i}.group`)}
            error={errors[`roleMapping.${i}.group`]}
            style={{ flex: 1 }}
          />
          <Select
            {...common}
            aria-label={`Role of line ${i + 1}`}
            data={ROLES}
            value={line.role}
            allowDeselect={false}
            onChange={(v) => v && set(i, { role: v as OperatorRole }, `roleMapping.${i}.role`)}
            error={errors[`roleMapping.${i}.role`]}
            w={160}
          />
          {!readOnly && (
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={`Remove line ${i + 1}`}
              disabled={disabled}
              onClick={() =>
                onChange(
                  lines.filter((_, j) => j !== i),
                  'roleMapping',
                )
              }
            >
              ×
            </ActionIcon>
          )}
        </Group>
      ))}
      {errors.roleMapping && (
        <Text size="sm" c="red" role="alert">
          {errors.roleMapping}
        </Text>
      )}
      {!readOnly && (
        <Group>
          <Button
            variant="light"
            size="xs"
            leftSection={<IconPlus size={14} />}
            disabled={disabled || lines.length >= MAX_LINES}
            onClick={() => onChange([...lines, { group: '', role: 'helpdesk' }], 'roleMapping')}
          >
            Add a line
          </Button>
        </Group>
      )}
    </Stack>
  );
}
