import { z } from 'zod';
import { cleanText } from './text';

/** Everything an admin can change. Stored per key; defaults fill gaps. */
export const Settings = z.object({
  issuer: cleanText(64, 'Issuer').refine((s) => !s.includes(':'), 'Issuer must not contain a colon'),
  totpWindow: z.number().int().min(0).max(1),
  throttleFreeAttempts: z.number().int().min(1).max(20),
  throttleLockAfter: z.number().int().min(2).max(100),
  throttleLockMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  pendingExpiryHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30),
  methods: z.object({
    totp: z.boolean(),
    hotp: z.boolean(),
    recovery: z.boolean(),
    webauthn: z.boolean(),
    email: z.boolean(),
  }),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  issuer: 'Tessera',
  totpWindow: 1,
  throttleFreeAttempts: 3,
  throttleLockAfter: 10,
  throttleLockMinutes: 30,
  pendingExpiryHours: 72,
  // Email is weaker than the other methods (NIST 800-63B): off until an admin turns it on.
  methods: { totp: true, hotp: true, recovery: true, webauthn: true, email: false },
};

/** Only the settings above: an unknown key (a typo, a setting of another version) is refused by name, never dropped. */
export const SettingsPatch = Settings.partial()
  .extend({
    methods: Settings.shape.methods.partial().strict().optional(),
  })
  .strict()
  .refine((p) => p.throttleLockAfter === undefined || p.throttleFreeAttempts === undefined || p.throttleLockAfter > p.throttleFreeAttempts, {
    message: 'Lock threshold must be above the free attempts',
    path: ['throttleLockAfter'],
  });
export type SettingsPatch = z.infer<typeof SettingsPatch>;
