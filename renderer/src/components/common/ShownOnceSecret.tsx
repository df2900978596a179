import { Alert, Button, Code, CopyButton, Group } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A secret the server hands out once (an API key, a RADIUS shared secret, a
 * temporary password): the value in a copyable block and the warning that it
 * will not be shown again, with how Tessera keeps it and what to do if lost.
 */
export function ShownOnceSecret({
  value,
  label,
  copyLabel,
  testId,
  children,
}: {
  value: string;
  /** What the value is, for screen readers ("The new API key"). */
  label: string;
  /** The copy button's words ("Copy key"). */
  copyLabel: string;
  testId: string;
  /** The warning's body: how it is kept, and what to do when it is lost. */
  children: ReactNode;
}) {
  return (
    <>
      <Group gap="xs" wrap="nowrap" align="stretch">
        <Code block className="shown-once" data-testid={testId} aria-label={label}>
          {value}
        </Code>
        <CopyButton value={value} timeout={2000}>
          {({ copied, copy }) => (
            <Button variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : undefined} onClick={copy} miw={120}>
              {copied ? 'Copied' : copyLabel}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Alert color="yellow" variant="light" title="It will not be shown again">
        {children}
      </Alert>
    </>
  );
}
