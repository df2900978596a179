import { z } from 'zod';
import { SettingsPatch } from '../../../../shared/schemas/settings';
import { METHOD_LABELS, METHODS } from '../../../../shared/schemas/methods';
import { updateSettings } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const settingsRouter = router({
  get: auditProcedure.query(({ ctx }) => ctx.services.settings.get()),
  update: adminProcedure.input(SettingsPatch).mutation(({ ctx, input }) => updateSettings(ctx.services, input, ctx.actor)),
  /** For each method: whether it is on and how many users rely on it (what turning it off affects). */
  methodUsage: auditProcedure.input(z.void()).query(({ ctx }) => {
    const { store, settings } = ctx.services;
    const s = settings.get();
    return METHODS.map((m) => ({
      method: m,
      label: METHOD_LABELS[m],
      enabled: s.methods[m],
      users: m === 'recovery' ? store.dashboard.usersWithRecoveryCodes() : store.factors.countUsersWithActive(m),
    }));
  }),
});
