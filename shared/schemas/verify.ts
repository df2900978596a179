import { z } from 'zod';
import { Id, Username } from './text';
import { FactorType } from './methods';

export const VerifyInput = z
  .object({
    user: Username,
    code: z
      .string({ error: (issue) => (issue.input === undefined ? 'code is required' : 'code must be text') })
      .min(1, 'code must not be empty')
      .max(64, 'code is too long'),
    /** The challenge's transactionId, for a code Tessera sent: that code is then accepted for this transaction only. */
    transactionId: Id.optional(),
  })
  .strict();
export type VerifyInput = z.infer<typeof VerifyInput>;

export const VerifyResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    factor: z.object({ id: z.string(), type: z.union([FactorType, z.literal('recovery'), z.literal('temporary')]) }),
    recoveryCodesLeft: z.number().int().optional(),
    /** After a helpdesk's temporary code: how many more times it works. */
    temporaryUsesLeft: z.number().int().optional(),
  }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(['invalid_code', 'no_factor', 'throttled', 'locked']),
    retryAfterSeconds: z.number().int().optional(),
  }),
]);
export type VerifyResult = z.infer<typeof VerifyResult>;
