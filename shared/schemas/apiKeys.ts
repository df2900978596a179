import { z } from 'zod';
import { cleanText } from './text';
import { WebauthnRpInput } from './webauthn';

export const API_SCOPES = ['verify', 'provision', 'audit'] as const;
export const ApiScope = z.enum(API_SCOPES);
export type ApiScope = z.infer<typeof ApiScope>;

export const CreateApiKeyInput = z
  .object({
    name: cleanText(64, 'Name'),
    scopes: z
      .array(ApiScope)
      .min(1, 'Choose at least one scope')
      .max(3)
      .transform((s) => [...new Set(s)].sort()),
    /** The application's WebAuthn relying party, set with the key (optional; can be set later). */
    webauthn: WebauthnRpInput.optional(),
  })
  .strict();
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(ApiScope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreatedApiKey = ApiKeyView.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
