import { SegmentedControl, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export interface SegmentedFieldProps<T extends string> {
  /** The label's id: the control is named by it (SegmentedControl has no label of its own). */
  id: string;
  label: string;
  value: T;
  onChange: (value: T) => void;
  data: { value: T; label: string }[];
  /** A line under the choice, e.g. what the chosen option means. */
  hint?: ReactNode;
  gap?: number;
  fullWidth?: boolean;
}

/** A choice among a few options, with its label above. */
export function SegmentedField<T extends string>({ id, label, value, onChange, data, hint, gap = 4, fullWidth = false }: SegmentedFieldProps<T>) {
  return (
    <Stack gap={gap}>
      <Text size="sm" fw={500} id={id}>
        {label}
      </Text>
      <SegmentedControl aria-labelledby={id} value={value} onChange={(v) => onChange(v as T)} data={data} fullWidth={fullWidth} />
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Stack>
  );
}
