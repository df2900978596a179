import { z } from 'zod';
import { dashboardStats } from '../../../services/dashboard';
import { auditProcedure, router } from '../init';

const DAYS = z.number().int().min(1).max(365).default(30);

export const dashboardRouter = router({
  stats: auditProcedure.input(z.object({ days: DAYS }).strict().optional()).query(({ ctx, input }) => dashboardStats(ctx.services, input?.days ?? 30)),
});
