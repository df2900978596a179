import { Anchor, Badge, Button, Code, DataList, Drawer, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { auditActionLabel, auditReasonText } from '../../../../shared/auditActions';
import type { AuditEntry } from '../../../../shared/schemas/audit';
import { useCan } from '../../lib/session';
import type { AuditView } from './auditUrl';
import { ACTOR_KIND_LABELS, formatUtc, OutcomeBadge } from './outcome';

/** An empty field of the entry. */
const NONE = (
  <Text size="sm" c="dimmed">
    None
  </Text>
);

/**
 * One entry in full: who, what, to whom, outcome and why, from where, the
 * details, and its place in the hash chain. Previous/next walk the list;
 * the filter buttons narrow the list to this actor, action or user.
 */
export function AuditEntryDrawer({
  entry,
  onClose,
  onPrev,
  onNext,
  onFilter,
}: {
  entry: AuditEntry | null;
  onClose: () => void;
  onPrev: (() => void) | null;
  onNext: (() => void) | null;
  onFilter: (patch: Partial<AuditView>) => void;
}) {
  const canReadUsers = useCan('readUsers');
  return (
    <Drawer opened={entry !== null} onClose={onClose} position="right" size="lg" title={entry ? `Audit entry #${entry.seq.toLocaleString('en')}` : ''}>
      {entry && (
        <Stack gap="lg">
          <Group justify="space-between">
            <Group gap="xs">
              <OutcomeBadge outcome={entry.outcome} />
              <Text fw={600} className="mono">
                {entry.action}
              </Text>
            </Group>
            <Group gap="xs">
              <Button size="xs" variant="default" onClick={onPrev ?? undefined} disabled={!onPrev}>
                Previous
              </Button>
              <Button size="xs" variant="default" onClick={onNext ?? undefined} disabled={!onNext}>
                Next
              </Button>
            </Group>
          </Group>

          <DataList labelWidth={130} withDivider aria-label="Entry">
            <DataList.Item>
              <DataList.ItemLabel>Time (UTC)</DataList.ItemLabel>
              <DataList.ItemValue>
                <span className="mono">{formatUtc(entry.at)}</span>
                <Text size="xs" c="dimmed">
                  Your time: {new Date(entry.at).toLocaleString()}
                </Text>
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Actor</DataList.ItemLabel>
              <DataList.ItemValue>
                <Group gap="xs">
                  <Text size="sm" fw={600}>
                    {entry.actor.name ?? '—'}
                  </Text>
                  <Badge size="xs" variant="outline" color="gray">
                    {ACTOR_KIND_LABELS[entry.actor.kind]}
                  </Badge>
                </Group>
                {entry.actor.id && (
                  <Text size="xs" c="dimmed" className="mono">
                    id {entry.actor.id}
                  </Text>
                )}
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Action</DataList.ItemLabel>
              <DataList.ItemValue>
                <Text size="sm" className="mono">
                  {entry.action}
                </Text>
                <LabelOf code={entry.action} text={auditActionLabel(entry.action)} />
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>User</DataList.ItemLabel>
              <DataList.ItemValue>
                {entry.user ? (
                  canReadUsers ? (
                    <Anchor component={Link} to={`/users/${encodeURIComponent(entry.user)}`} size="sm">
                      {entry.user}
                    </Anchor>
                  ) : (
                    entry.user
                  )
                ) : (
                  NONE
                )}
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Outcome</DataList.ItemLabel>
              <DataList.ItemValue>
                <OutcomeBadge outcome={entry.outcome} />
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Reason</DataList.ItemLabel>
              <DataList.ItemValue>
                {entry.reason ?? NONE}
                {entry.reason && <LabelOf code={entry.reason} text={auditReasonText(entry.action, entry.reason)} />}
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>IP address</DataList.ItemLabel>
              <DataList.ItemValue className="mono">{entry.ip ?? '—'}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Details</DataList.ItemLabel>
              <DataList.ItemValue>
                {entry.details ? (
                  <Code block className="audit-details" aria-label="Details (JSON)">
                    {JSON.stringify(entry.details, null, 2)}
                  </Code>
                ) : (
                  NONE
                )}
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Sequence</DataList.ItemLabel>
              <DataList.ItemValue className="mono">#{entry.seq}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Hash</DataList.ItemLabel>
              <DataList.ItemValue>
                <Text span className="mono audit-hash" data-testid="entry-hash">
                  {entry.hash}
                </Text>
                <Text size="xs" c="dimmed">
                  SHA-256 over the previous entry’s hash and this entry’s content.
                </Text>
              </DataList.ItemValue>
            </DataList.Item>
          </DataList>

          <Stack gap={6}>
            <Text size="sm" fw={600}>
              Show only entries…
            </Text>
            <Group gap="xs">
              {entry.actor.name && (
                <Button size="xs" variant="light" onClick={() => onFilter({ actor: entry.actor.name! })}>
                  by {entry.actor.name}
                </Button>
              )}
              <Button size="xs" variant="light" onClick={() => onFilter({ action: entry.action })}>
                with action {entry.action}
              </Button>
              {entry.user && (
                <Button size="xs" variant="light" onClick={() => onFilter({ user: entry.user! })}>
                  about {entry.user}
                </Button>
              )}
            </Group>
          </Stack>
        </Stack>
      )}
    </Drawer>
  );
}

/** A code's words under it (shared/auditActions), when there are any. */
function LabelOf({ code, text }: { code: string; text: string }) {
  return text === code ? null : (
    <Text size="xs" c="dimmed">
      {text}
    </Text>
  );
}
