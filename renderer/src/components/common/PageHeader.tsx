import { Anchor, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { usePageTitle } from '../../lib/pageTitle';
import { IconArrowLeft } from './icons';

/**
 * The top of every console page: title, one line on what it is for, the page's main actions. The title is
 * the page's one h1 (sections below are h3, cards h4; sized as before) and names the browser tab
 * ("Users — Tessera"); pass `documentTitle` when the title is not plain text.
 */
export function PageHeader({
  title,
  documentTitle,
  description,
  actions,
  back,
}: {
  title: ReactNode;
  documentTitle?: string;
  description?: ReactNode;
  actions?: ReactNode;
  back?: { to: string; label: string };
}) {
  usePageTitle(documentTitle ?? (typeof title === 'string' ? title : undefined));
  return (
    <Stack gap={4} mb="lg">
      {back && (
        <Anchor component={Link} to={back.to} size="sm" c="dimmed" className="no-print">
          <Group gap={4} component="span" wrap="nowrap">
            <IconArrowLeft size={14} />
            {back.label}
          </Group>
        </Anchor>
      )}
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
        <Stack gap={2} miw={0} className="page-title">
          <Title order={1} size="h2" className="break-anywhere">
            {title}
          </Title>
          {description && (
            <Text c="dimmed" size="sm">
              {description}
            </Text>
          )}
        </Stack>
        {actions && (
          <Group gap="sm" className="no-print">
            {actions}
          </Group>
        )}
      </Group>
    </Stack>
  );
}
