import { Badge, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { RadiusStatusView } from '../../../../shared/schemas/radius';
import { formatDateTime, formatNumber } from '../../lib/format';
import './radius.css';

const ANSWERED: [keyof NonNullable<RadiusStatusView['counters']>, string][] = [
  ['received', 'Received'],
  ['accepted', 'Accepted'],
  ['rejected', 'Rejected'],
  ['challenged', 'Challenged'],
  ['duplicates', 'Retransmissions answered from cache'],
];

const DROPPED: [keyof NonNullable<RadiusStatusView['counters']>, string][] = [
  ['droppedUnknownSource', 'Unknown source'],
  ['droppedMalformed', 'Malformed'],
  ['droppedMissingAuthenticator', 'No Message-Authenticator'],
  ['droppedBadAuthenticator', 'Bad authenticator (wrong secret?)'],
  ['droppedUnsupported', 'Not an Access-Request'],
  ['errors', 'Errors'],
];

function Counter({ label, value, warn = false }: { label: string; value: number; warn?: boolean }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} c={warn && value > 0 ? 'orange.8' : undefined}>
        {formatNumber(value)}
      </Text>
    </div>
  );
}

/** Whether this server listens for RADIUS and where; what it answered and dropped since it started (dropped packets get no reply, so this is where they show). */
export function ListenerCard({ status }: { status: RadiusStatusView }) {
  return (
    <Paper withBorder radius="md" p="md" aria-label="RADIUS listener">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h5">
            Listener
          </Title>
          {status.listening ? (
            <Badge color="green" variant="light">
              On
            </Badge>
          ) : (
            <Badge color="gray" variant="light">
              Off
            </Badge>
          )}
        </Group>
        {status.listening ? (
          <Text size="sm">
            Listening on UDP <Code>{status.host?.includes(':') ? `[${status.host}]:${status.port}` : `${status.host}:${status.port}`}</Code> since{' '}
            {formatDateTime(status.since)}. Counts are since then.
          </Text>
        ) : (
          <Text size="sm">
            This server does not listen for RADIUS. Start it with <Code>TESSERA_RADIUS_PORT=1812</Code> (and <Code>TESSERA_RADIUS_HOST</Code> for an address
            other than 127.0.0.1); clients can be set up here before.
          </Text>
        )}
        {status.counters && (
          <>
            <div className="radius-counters" role="group" aria-label="Answered">
              {ANSWERED.map(([k, label]) => (
                <Counter key={k} label={label} value={status.counters![k]} />
              ))}
            </div>
            <Text size="sm" fw={600}>
              Dropped without a reply
            </Text>
            <div className="radius-counters" role="group" aria-label="Dropped">
              {DROPPED.map(([k, label]) => (
                <Counter key={k} label={label} value={status.counters![k]} warn />
              ))}
            </div>
          </>
        )}
      </Stack>
    </Paper>
  );
}
