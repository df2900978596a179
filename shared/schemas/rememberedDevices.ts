import { z } from 'zod';

/** A remembered device as the user page and GET /users/{u} show it (never the token). */
export const RememberedDeviceView = z.object({
  id: z.string(),
  label: z.string(),
  /** The API client that asked to remember it. */
  application: z.string(),
  userAgent: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string(),
});
export type RememberedDeviceView = z.infer<typeof RememberedDeviceView>;
