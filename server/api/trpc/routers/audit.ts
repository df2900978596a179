import { z } from 'zod';
import { AuditQuery } from '../../../../shared/schemas/audit';
import { Username } from '../../../../shared/schemas/text';
import { auditProcedure, readUsersProcedure, router } from '../init';
import { TesseraError } from '../../../../shared/errors';
import type { AuditVerifyResult } from '../../../../shared/schemas/audit';
import { checksRunning, MAX_CONCURRENT_CHECKS } from '../../../services/auditVerifyRunner';

/** The job kind of the console's integrity check. */
export const AUDIT_VERIFY_JOB = 'audit.verify';

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
  /**
   * Starts the integrity check as a job (it runs in a worker thread): poll
   * jobs.get for progress and its AuditVerifyResult, stop it with
   * jobs.cancel. One at a time per operator (409 for a second), and at most
   * MAX_CONCURRENT_CHECKS over everyone (429).
   */
  verify: auditProcedure.input(z.void()).mutation(({ ctx }) => {
    const owner = ctx.session.operator.id;
    if (ctx.jobs.running(AUDIT_VERIFY_JOB, owner)) {
      throw new TesseraError('conflict', 'Your integrity check is still running: wait for it to finish or cancel it');
    }
    if (checksRunning() >= MAX_CONCURRENT_CHECKS) {
      throw new TesseraError('throttled', 'Other integrity checks are running right now; try again in a moment', { retryAfterSeconds: 10 });
    }
    return ctx.jobs.start<AuditVerifyResult>(AUDIT_VERIFY_JOB, owner, ctx.services.audit.entryCount(), (job) =>
      ctx.services.audit.verify({ signal: job.signal, onProgress: (p) => job.progress(p.done, p.total) }),
    );
  }),
});
