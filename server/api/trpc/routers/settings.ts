import { z } from 'zod';
import { SettingsPatch } from '../../../../shared/schemas/settings';
import { updateSettings } from '../../../services/index';
import { methodUsage } from '../../../services/dashboard';
import { adminProcedure, auditProcedure, router } from '../init';

export const settingsRouter = router({
  get: auditProcedure.query(({ ctx }) => ctx.services.settings.get()),
  update: adminProcedure.input(SettingsPatch).mutation(({ ctx, input }) => updateSettings(ctx.services, input, ctx.actor)),
  /** For each method: whether it is on and how many users rely on it (what turning it off affects). */
  methodUsage: auditProcedure.input(z.void()).query(({ ctx }) => methodUsage(ctx.services)),
});
