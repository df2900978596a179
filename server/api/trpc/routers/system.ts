import { z } from 'zod';
import { isSetupTokenValid } from '../../../services/setup';
import { systemInfo } from '../../../services/system';
import { publicProcedure, router } from '../init';

export const systemRouter = router({
  info: publicProcedure.query(({ ctx }) => systemInfo(ctx.services)),
  setupTokenValid: publicProcedure
    .input(z.object({ token: z.string().min(1).max(200) }))
    .query(({ ctx, input }) => ({ valid: isSetupTokenValid(ctx.services, input.token) })),
});
