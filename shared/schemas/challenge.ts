import { z } from 'zod';
import { DeliveryChannel } from './delivery';
import { Id, Username } from './text';

/** POST /api/v1/challenge: send a fresh code to one of the user's email/SMS factors. */
export const ChallengeInput = z
  .object({
    user: Username,
    /** Which factor to send to; by default the user's most recently used email/SMS factor. A pending factor gets its confirmation code again. */
    factor: Id.optional(),
  })
  .strict();
export type ChallengeInput = z.infer<typeof ChallengeInput>;

export const ChallengeResult = z.discriminatedUnion('sent', [
  z.object({
    sent: z.literal(true),
    /** Pass it to /verify with the code: the code is accepted for this transaction only. */
    transactionId: z.string(),
    factorId: z.string(),
    channel: DeliveryChannel,
    /** Masked: a•••@example.org, +•• ••• ••12. */
    destination: z.string(),
    expiresAt: z.string(),
  }),
  z.object({
    sent: z.literal(false),
    /** The user signs in with an authenticator app, a token, recovery codes or a key: nothing is sent, ask for their code. */
    reason: z.literal('not_needed'),
    message: z.string(),
  }),
]);
export type ChallengeResult = z.infer<typeof ChallengeResult>;
