import { z } from 'zod';
import { isSetupTokenValid } from '../../../services/setup';
import { VERSION } from '../../../version';
import { publicProcedure, router } from '../init';

export const systemRouter = router({
  info: publicProcedure.query(({ ctx }) => ({
    version: VERSION,
    issuer: ctx.services.settings.get().issuer,
    needsSetup: ctx.services.store.operators.count() === 0,
  })),
  setupTokenValid: publicProcedure
    .input(z.object({ token: z.string().min(1).max(200) }))
    .query(({ ctx, input }) => ({ valid: isSetupTokenValid(ctx.services, input.token) })),
});
