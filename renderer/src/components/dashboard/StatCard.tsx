import { Group, Paper, Stack, Text, ThemeIcon } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatNumber } from '../../lib/format';
import '../common/common.css';

/** One number on the dashboard; a link into the filtered list behind it when there is one. */
export function StatCard({
  label,
  value,
  hint,
  icon,
  color = 'blue',
  to,
  linkLabel,
}: {
  label: string;
  value: number;
  hint?: ReactNode;
  icon: ReactNode;
  color?: string;
  to?: string;
  linkLabel?: string;
}) {
  const body = (
    <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
      <Stack gap={2} miw={0}>
        <Text size="xs" tt="uppercase" fw={700} c="dimmed">
          {label}
        </Text>
        <Text fw={700} fz={28} lh={1.2}>
          {formatNumber(value)}
        </Text>
        {hint && (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        )}
      </Stack>
      <ThemeIcon variant="light" color={color} size={40} radius="md">
        {icon}
      </ThemeIcon>
    </Group>
  );
  if (!to) {
    return (
      <Paper withBorder radius="md" p="md" className="stat-card">
        {body}
      </Paper>
    );
  }
  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      className="stat-card"
      component={Link}
      to={to}
      aria-label={`${label}: ${formatNumber(value)}. ${linkLabel ?? 'Open the list'}`}
    >
      {body}
    </Paper>
  );
}
