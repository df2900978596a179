import { z } from 'zod';
import { Reason } from './text';

/** The helpdesk issues a temporary code to a user who lost their device. */
export const IssueTemporaryCodeInput = z
  .object({
    reason: Reason,
    /** Its life; at most the temporaryCodeMaxHours setting. */
    hours: z.number().int('Hours must be a whole number').min(1, 'At least 1 hour').max(168, 'At most 7 days').default(8),
    uses: z.number().int('Uses must be a whole number').min(1, 'At least 1 use').max(20, 'At most 20 uses').default(1),
  })
  .strict();
export type IssueTemporaryCodeInput = z.input<typeof IssueTemporaryCodeInput>;

/** Shown once, when issued: the code to read out or print. */
export const IssuedTemporaryCode = z.object({
  /** "4821 0937 5521": never shown again, stored only as a MAC. */
  code: z.string(),
  expiresAt: z.string(),
  uses: z.number().int(),
});
export type IssuedTemporaryCode = z.infer<typeof IssuedTemporaryCode>;

/** What the user page shows of a live temporary code (never the code). */
export const TemporaryCodeView = z.object({
  issuedAt: z.string(),
  issuedBy: z.string().nullable(),
  reason: z.string(),
  expiresAt: z.string(),
  usesLeft: z.number().int(),
  maxUses: z.number().int(),
  lastUsedAt: z.string().nullable(),
});
export type TemporaryCodeView = z.infer<typeof TemporaryCodeView>;
