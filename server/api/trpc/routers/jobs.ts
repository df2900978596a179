import { z } from 'zod';
import { anyOperatorProcedure, router } from '../init';

const JobRef = z.object({ id: z.string().uuid() }).strict();

/** Progress and cancel for the operator's own long jobs (the registry checks ownership). */
export const jobsRouter = router({
  get: anyOperatorProcedure.input(JobRef).query(({ ctx, input }) => ctx.jobs.get(input.id, ctx.session.operator.id)),
  cancel: anyOperatorProcedure.input(JobRef).mutation(({ ctx, input }) => ctx.jobs.cancel(input.id, ctx.session.operator.id)),
});
