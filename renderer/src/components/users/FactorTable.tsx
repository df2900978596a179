import { Badge, Button, Group, Table, Text, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { FactorView } from '../../../../shared/schemas/factors';
import { formatAgo, formatDate, formatDateTime } from '../../lib/format';
import { factorTypeName } from '../../lib/useMethodNames';
import { ScrollTable } from '../common/ScrollTable';
import { FactorActions, FactorDetails, RenameFactorButton } from './FactorExtras';
import './factorTable.css';

/** Short cells that must not wrap or truncate (status badge, dates). A style object: CSSOM, so the CSP allows it. */
const NOWRAP = { whiteSpace: 'nowrap' } as const;
/** Badges ellipsise when their cell is narrow; the status column keeps room for the longest (“Pending”). */
const STATUS_CELL = { whiteSpace: 'nowrap', minWidth: 96 } as const;
/** Below this the table (620 px at least) would scroll sideways inside the card: each factor becomes a card of its own. */
const NARROW = '(max-width: 43.99em)';

function FactorStatus({ factor: f }: { factor: FactorView }) {
  return f.status === 'active' ? (
    <Badge color="teal" variant="light">
      Active
    </Badge>
  ) : (
    <Tooltip label={`Waiting for its first code; expires ${formatDateTime(f.expiresAt)}`}>
      <Badge color="yellow" variant="light">
        Pending
      </Badge>
    </Tooltip>
  );
}

function FactorButtons({ username, factor: f, onRemove }: { username: string; factor: FactorView; onRemove: (f: FactorView) => void }) {
  return (
    <>
      <FactorActions username={username} factor={f} />
      <RenameFactorButton username={username} factor={f} typeLabel={factorTypeName(f)} />
      <Button
        size="compact-xs"
        variant="subtle"
        color="red"
        onClick={() => onRemove(f)}
        aria-label={`Remove ${factorTypeName(f)}${f.label ? ` “${f.label}”` : ''}`}
      >
        Remove
      </Button>
    </>
  );
}

const noLabel = (
  <Text span c="dimmed" size="sm">
    —
  </Text>
);

/**
 * A user's factors: a table (type, label, status, created, last used, actions), or on a phone-sized
 * window one card per factor with its actions wrapping below, so nothing needs sideways scrolling (issue 18).
 */
export function FactorTable({
  username,
  factors,
  canHelp,
  onRemove,
}: {
  username: string;
  factors: FactorView[];
  canHelp: boolean;
  onRemove: (factor: FactorView) => void;
}) {
  const narrow = useMediaQuery(NARROW, false, { getInitialValueInEffect: false });
  if (narrow) {
    return (
      <ul className="factor-cards" data-testid="factors" aria-label="Factors">
        {factors.map((f) => (
          <li key={f.id} className="factor-card" data-testid="factor-card">
            <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
              <div className="factor-card-type">
                <Text size="sm" fw={600}>
                  {factorTypeName(f)}
                </Text>
                <FactorDetails factor={f} />
              </div>
              <FactorStatus factor={f} />
            </Group>
            <dl className="factor-card-facts">
              <dt>Label</dt>
              <dd className="break-anywhere">{f.label ?? noLabel}</dd>
              <dt>Created</dt>
              <dd title={f.createdAt}>{formatDate(f.createdAt)}</dd>
              <dt>Last used</dt>
              <dd title={f.lastUsedAt ?? undefined}>{formatAgo(f.lastUsedAt)}</dd>
            </dl>
            {canHelp && (
              <Group gap={6} wrap="wrap" className="factor-card-actions">
                <FactorButtons username={username} factor={f} onRemove={onRemove} />
              </Group>
            )}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <ScrollTable
      minWidth={620}
      verticalSpacing="sm"
      fz="sm"
      data-testid="factors"
      head={
        <>
          <Table.Th>Type</Table.Th>
          <Table.Th>Label</Table.Th>
          <Table.Th style={STATUS_CELL}>Status</Table.Th>
          <Table.Th style={NOWRAP}>Created</Table.Th>
          <Table.Th style={NOWRAP}>Last used</Table.Th>
          {canHelp && <Table.Th w={1} aria-label="Actions" />}
        </>
      }
    >
      {factors.map((f) => (
        <Table.Tr key={f.id}>
          <Table.Td>
            <Text size="sm" fw={500}>
              {factorTypeName(f)}
            </Text>
            <FactorDetails factor={f} />
          </Table.Td>
          <Table.Td className="break-anywhere">{f.label ?? noLabel}</Table.Td>
          <Table.Td style={STATUS_CELL}>
            <FactorStatus factor={f} />
          </Table.Td>
          <Table.Td title={f.createdAt} style={NOWRAP}>
            {formatDate(f.createdAt)}
          </Table.Td>
          <Table.Td title={f.lastUsedAt ?? undefined} style={NOWRAP}>
            {formatAgo(f.lastUsedAt)}
          </Table.Td>
          {canHelp && (
            <Table.Td>
              <Group gap={4} wrap="nowrap" justify="flex-end">
                <FactorButtons username={username} factor={f} onRemove={onRemove} />
              </Group>
            </Table.Td>
          )}
        </Table.Tr>
      ))}
    </ScrollTable>
  );
}
