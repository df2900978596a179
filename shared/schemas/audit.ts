import { z } from 'zod';
import { Cursor, Limit } from './text';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AuditOutcome = z.enum(AUDIT_OUTCOMES);

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.object({ kind: z.enum(['operator', 'apikey', 'system']), id: z.string().nullable(), name: z.string().nullable() }),
  action: z.string(),
  user: z.string().nullable(),
  outcome: AuditOutcome,
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const IsoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' });

export const AuditQuery = z
  .object({
    user: z.string().max(128).optional(),
    action: z.string().max(64).optional(),
    actor: z.string().max(128).optional(),
    outcome: AuditOutcome.optional(),
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    order: z.enum(['asc', 'desc']).optional().default('desc'),
    limit: Limit,
    cursor: Cursor.optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;

/**
 * What an integrity check found. A failure names the first entry that is
 * wrong or missing (0 when the problem is not with one entry: a replaced
 * key, a damaged anchor), a stable problem code and a sentence saying it.
 */
export const AuditVerifyResult = z.union([
  z.object({ ok: z.literal(true), entries: z.number().int(), head: z.string(), checkpoints: z.number().int() }),
  z.object({ ok: z.literal(false), firstBadSeq: z.number().int(), problem: z.string(), message: z.string().optional() }),
]);
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/** The problems an integrity check reports (AuditVerifyResult.problem). */
export const AUDIT_PROBLEMS = [
  'hash_mismatch',
  'seq_gap',
  'seq_order',
  'truncated',
  'checkpoint_mismatch',
  'checkpoint_missing',
  'bad_signature',
  'missing_head',
  'unsigned_tail',
  'rolled_back',
  'anchor_mismatch',
  'anchor_invalid',
  'public_key_mismatch',
  'derived_mismatch',
  'dashboard_mismatch',
] as const;
export type AuditProblem = (typeof AUDIT_PROBLEMS)[number];
