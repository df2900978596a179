import type { AuditContent } from '../core/audit/chain';
import type { AuditEntry } from '../../shared/schemas/audit';
import type { AuditRow } from '../store/index';

/** A stored row as the content its hash covers. */
export function rowToContent(row: AuditRow): AuditContent {
  return {
    seq: row.seq,
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    targetUser: row.target_user,
    outcome: row.outcome,
    reason: row.reason,
    ip: row.ip,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  };
}

/** A stored row as the API shows it. */
export function rowToEntry(row: AuditRow): AuditEntry {
  const c = rowToContent(row);
  return {
    seq: c.seq,
    at: c.at,
    actor: { kind: c.actorKind, id: c.actorId, name: c.actorName },
    action: c.action,
    user: c.targetUser,
    outcome: c.outcome,
    reason: c.reason,
    ip: c.ip,
    details: c.details,
    hash: row.hash,
  };
}
