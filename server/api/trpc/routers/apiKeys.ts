import { z } from 'zod';
import { CreateApiKeyInput } from '../../../../shared/schemas/apiKeys';
import { SetWebauthnRpInput } from '../../../../shared/schemas/webauthn';
import { apiKeys, webauthn } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const apiKeysRouter = router({
  list: auditProcedure.query(({ ctx }) => apiKeys.listApiKeys(ctx.services)),
  /** The key is in this response only; the console shows it once. */
  create: adminProcedure.input(CreateApiKeyInput).mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.services, input, ctx.actor)),
  /** The application's WebAuthn relying party (RP ID, name, allowed origins, UV, AAGUID allow list), or null. */
  getWebauthn: auditProcedure
    .input(z.object({ apiKeyId: z.string().min(1).max(64) }).strict())
    .query(({ ctx, input }) => webauthn.getAppRelyingParty(ctx.services, input.apiKeyId)),
  /** Sets (or with rp null, removes) the application's WebAuthn relying party. */
  setWebauthn: adminProcedure
    .input(SetWebauthnRpInput)
    .mutation(({ ctx, input }) => webauthn.setAppRelyingParty(ctx.services, input.apiKeyId, input.rp, ctx.actor)),
  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }).strict())
    .mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx.services, input.id, ctx.actor)),
});
