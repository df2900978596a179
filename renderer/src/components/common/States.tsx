import { Alert, Button, Center, EmptyState, Group, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/trpc';
import { IconAlert } from './icons';

/** A centred spinner with a label for screen readers. */
export function PageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py={64}>
      <Loader aria-label={label} />
    </Center>
  );
}

/** Something failed to load: the server's message, and a retry when one makes sense. */
export function ErrorState({ error, title = 'Could not load this', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlert />} role="alert">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** Nothing to show yet: what this place is for and, when there is one, the next step. */
export function NothingHere({ icon, title, description, children }: { icon?: ReactNode; title: string; description?: ReactNode; children?: ReactNode }) {
  return (
    <EmptyState py="xl" title={title} description={description} icon={icon} withIndicatorBackground>
      {children && (
        <EmptyState.Actions>
          <Group justify="center">{children}</Group>
        </EmptyState.Actions>
      )}
    </EmptyState>
  );
}
