import { Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { usePageTitle } from '../../lib/pageTitle';
import './common.css';

/** The signed-out pages (setup, sign-in): a centred card under the Tessera mark. */
export function AuthLayout({ title, subtitle, width = 420, children }: { title: string; subtitle?: ReactNode; width?: number; children: ReactNode }) {
  usePageTitle(title);
  return (
    <main className="auth-page">
      <Stack gap="lg" w="100%" maw={width}>
        <Group gap="sm" justify="center">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          <Text fw={700} size="xl">
            Tessera
          </Text>
        </Group>
        <Paper withBorder shadow="sm" radius="md" p="xl">
          <Stack gap="lg">
            <Stack gap={4}>
              {/* The page's one h1 (issue 18), sized as before. */}
              <Title order={1} size="h3">
                {title}
              </Title>
              {subtitle && (
                <Text c="dimmed" size="sm">
                  {subtitle}
                </Text>
              )}
            </Stack>
            {children}
          </Stack>
        </Paper>
      </Stack>
    </main>
  );
}
