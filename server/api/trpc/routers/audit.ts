import { z } from 'zod';
import { AuditQuery } from '../../../../shared/schemas/audit';
import { Username } from '../../../../shared/schemas/text';
import { auditProcedure, readUsersProcedure, router } from '../init';

/**
 * The list's input: AuditQuery, plus the `direction` tRPC's infinite queries
 * add beside the cursor (pages only ever go forward from it; `order` says which way).
 */
const AuditListInput = AuditQuery.extend({ direction: z.literal('forward').optional() });

export const auditRouter = router({
  query: auditProcedure.input(AuditListInput).query(({ ctx, input: { direction: _direction, ...q } }) => ctx.services.audit.query(q)),
  /** One user's trail, for the user page (helpdesk sees this, not the whole log). */
  forUser: readUsersProcedure
    .input(z.object({ username: Username, limit: z.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() }).strict())
    .query(({ ctx, input }) => ctx.services.audit.query({ user: input.username, limit: input.limit, cursor: input.cursor, order: 'desc' })),
  /** How many entries the list's filters match. */
  count: auditProcedure
    .input(AuditQuery.pick({ user: true, action: true, actor: true, outcome: true, from: true, to: true }))
    .query(({ ctx, input }) => ctx.services.audit.count(input)),
  /** The actions that occur in the log (for the action filter's suggestions). */
  actions: auditProcedure.input(z.void()).query(({ ctx }) => ctx.services.audit.actions()),
  verify: auditProcedure.input(z.void()).mutation(({ ctx }) => ctx.services.audit.verify()),
});
