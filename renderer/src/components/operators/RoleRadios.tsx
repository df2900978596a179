import { Radio, Stack } from '@mantine/core';
import { OPERATOR_ROLES, ROLE_LABELS, type OperatorRole } from '../../../../shared/schemas/operators';
import { ROLE_DESCRIPTIONS } from './roleText';

/** The three roles as radio buttons, each saying what it may do (arrow keys move between them). */
export function RoleRadios({
  value,
  onChange,
  error,
  disabled,
}: {
  value: OperatorRole;
  onChange: (r: OperatorRole) => void;
  error?: string | undefined;
  disabled?: boolean;
}) {
  return (
    <Radio.Group label="Role" value={value} onChange={(v) => onChange(v as OperatorRole)} error={error}>
      <Stack gap="sm" mt="xs">
        {OPERATOR_ROLES.map((r) => (
          <Radio key={r} value={r} label={ROLE_LABELS[r]} description={ROLE_DESCRIPTIONS[r]} disabled={disabled} />
        ))}
      </Stack>
    </Radio.Group>
  );
}
