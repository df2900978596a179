import { z } from 'zod';
import { dashboardStats } from '../../../services/dashboard';
import { gettingStarted } from '../../../services/gettingStarted';
import { auditProcedure, router } from '../init';

const DAYS = z.number().int().min(1).max(365).default(30);

export const dashboardRouter = router({
  stats: auditProcedure.input(z.object({ days: DAYS }).strict().optional()).query(({ ctx, input }) => dashboardStats(ctx.services, input?.days ?? 30)),
  /** A new install's first steps and which are done (the dashboard's checklist; auditors see it read-only). */
  gettingStarted: auditProcedure.input(z.void()).query(({ ctx }) => gettingStarted(ctx.services)),
});
