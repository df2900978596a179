import { Group, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A section's title on the left and a small note (a count, where it comes from) on the right. */
export function SectionHeader({ title, note }: { title: ReactNode; note: ReactNode }) {
  return (
    <Group justify="space-between" mb="sm">
      <Title order={3} size="h4">
        {title}
      </Title>
      <Text size="xs" c="dimmed">
        {note}
      </Text>
    </Group>
  );
}
