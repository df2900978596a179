import { z } from 'zod';
import { CreateApiKeyInput } from '../../../../shared/schemas/apiKeys';
import { apiKeys } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const apiKeysRouter = router({
  list: auditProcedure.query(({ ctx }) => apiKeys.listApiKeys(ctx.services)),
  /** The key is in this response only; the console shows it once. */
  create: adminProcedure.input(CreateApiKeyInput).mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.services, input, ctx.actor)),
  revoke: adminProcedure.input(z.object({ id: z.string().min(1).max(64) }).strict()).mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx.services, input.id, ctx.actor)),
});
