import { Badge } from '@mantine/core';
import type { AuditEntry } from '../../../../shared/schemas/audit';

export const OUTCOME_COLORS: Record<AuditEntry['outcome'], string> = { success: 'green', failure: 'red', denied: 'orange' };
export const OUTCOME_LABELS: Record<AuditEntry['outcome'], string> = { success: 'Success', failure: 'Failure', denied: 'Denied' };
export const ACTOR_KIND_LABELS: Record<AuditEntry['actor']['kind'], string> = { operator: 'Operator', apikey: 'API client', system: 'System' };

export function OutcomeBadge({ outcome }: { outcome: AuditEntry['outcome'] }) {
  return (
    <Badge color={OUTCOME_COLORS[outcome]} variant="light" size="sm">
      {OUTCOME_LABELS[outcome]}
    </Badge>
  );
}

/** "2026-01-05 14:30:12" (UTC): the audit log's times, to the second. */
export function formatUtc(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}
