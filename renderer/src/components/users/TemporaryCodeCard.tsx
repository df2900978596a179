import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { TemporaryCodeView } from '../../../../shared/schemas/temporaryCodes';
import { formatAgo, formatDateTime } from '../../lib/format';

/** The user's live temporary code (never the code itself): who issued it and why, when it expires, uses left; Revoke for helpdesk. */
export function TemporaryCodeCard({ code, onRevoke }: { code: TemporaryCodeView; onRevoke?: () => void }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid="temporary-code-card">
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Title order={3} size="h4">
          Temporary code
        </Title>
        <Badge color="orange" variant="light">
          Live
        </Badge>
      </Group>
      <Stack gap={2}>
        <Text size="sm">
          {code.usesLeft} of {code.maxUses} {code.maxUses === 1 ? 'use' : 'uses'} left · expires {formatDateTime(code.expiresAt)}
        </Text>
        <Text size="xs" c="dimmed" className="break-anywhere">
          Issued {formatDateTime(code.issuedAt)}
          {code.issuedBy ? ` by ${code.issuedBy}` : ''}: “{code.reason}”
        </Text>
        {code.lastUsedAt && (
          <Text size="xs" c="dimmed" title={code.lastUsedAt}>
            Last used {formatAgo(code.lastUsedAt)}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          It stops working when the user confirms a new factor.
        </Text>
      </Stack>
      {onRevoke && (
        <Button size="xs" variant="light" color="red" mt="sm" onClick={onRevoke}>
          Revoke
        </Button>
      )}
    </Paper>
  );
}
