import { z } from 'zod';
import { cleanText } from './text';

/** Per method, optional: a setting that names or marks some methods and leaves the others as they are. */
function perMethod<T extends z.ZodType>(value: T) {
  return z.object({ totp: value, hotp: value, recovery: value, webauthn: value, email: value, sms: value }).partial().strict();
}

/** An admin's own name for a method ("Backup codes" for recovery codes): shown in the console, on sheets and in REST answers. */
export const MethodDisplayName = cleanText(48, 'Method name');

/** A whole-number setting whose refusals say, in words, what to type (the console shows them under the field). */
function wholeNumber(tooSmall: string, min: number, tooBig: string, max: number) {
  return z.number({ error: 'Enter a number' }).int('Enter a whole number').min(min, tooSmall).max(max, tooBig);
}

/** Everything an admin can change. Stored per key; defaults fill gaps. */
export const Settings = z.object({
  issuer: cleanText(64, 'Issuer').refine((s) => !s.includes(':'), 'Issuer must not contain a colon'),
  totpWindow: z
    .number({ error: 'Choose how many steps a code may be off' })
    .int('Choose 0 or 1 step')
    .min(0, 'Choose 0 or 1 step')
    .max(1, 'Choose 0 or 1 step'),
  throttleFreeAttempts: wholeNumber('Allow at least 1 free attempt', 1, 'At most 20 free attempts', 20),
  throttleLockAfter: wholeNumber('Lock after at least 2 failures', 2, 'Lock after at most 100 failures', 100),
  throttleLockMinutes: wholeNumber('Lock for at least 1 minute', 1, 'Lock for at most 1,440 minutes (24 hours)', 24 * 60),
  pendingExpiryHours: wholeNumber('Keep enrollments at least 1 hour', 1, 'Keep enrollments at most 720 hours (30 days)', 24 * 30),
  methods: z.object({
    totp: z.boolean(),
    hotp: z.boolean(),
    recovery: z.boolean(),
    webauthn: z.boolean(),
    email: z.boolean(),
    sms: z.boolean(),
  }),
  /** Digits in an emailed or texted code. */
  deliveredCodeDigits: z.union([z.literal(6), z.literal(7), z.literal(8)], { error: 'Code length must be 6, 7 or 8 digits' }),
  /** How long a sent code stays valid. */
  deliveredCodeMinutes: z.number().int().min(1, 'A sent code must live at least 1 minute').max(60, 'A sent code may live at most 60 minutes'),
  /** Codes sent to one user within the window below. */
  sendLimitPerUser: z.number().int().min(1, 'Allow at least 1 send').max(100, 'At most 100 sends per user'),
  /** Codes one API key may have sent (to all its users together) within the window: a stolen key cannot run up an SMS bill. */
  sendLimitPerApiKey: z.number().int().min(1, 'Allow at least 1 send').max(1_000_000, 'At most 1,000,000 sends per key'),
  sendLimitWindowMinutes: z
    .number()
    .int()
    .min(1, 'The window must be at least 1 minute')
    .max(24 * 60, 'The window may be at most 24 hours'),
  /** Seconds before a user may be sent another code. */
  resendSeconds: z.number().int().min(0, 'Cannot be negative').max(600, 'At most 10 minutes'),
  /** Remembered devices (a verify may ask to skip codes on this device for a while): off until an admin turns them on. */
  rememberDevices: z.boolean(),
  /** The longest a device is remembered. */
  rememberDeviceMaxDays: z.number().int('Days must be a whole number').min(1, 'At least 1 day').max(365, 'At most 365 days'),
  /** Re-checks: each successful verify says, in seconds chosen at random between these two, when to ask again. */
  recheck: z.boolean(),
  recheckMinSeconds: z
    .number()
    .int()
    .min(60, 'At least 60 seconds')
    .max(30 * 24 * 3600, 'At most 30 days'),
  recheckMaxSeconds: z
    .number()
    .int()
    .min(60, 'At least 60 seconds')
    .max(30 * 24 * 3600, 'At most 30 days'),
  /** Names shown instead of the built-in ones; a method left out keeps its own. */
  methodNames: perMethod(MethodDisplayName),
  /** Methods whose factors applications (provision scope) may remove; false: only operators may (the enterprise owns them). */
  appsMayRemove: perMethod(z.boolean()),
  /** The longest life a helpdesk may give a temporary code. */
  temporaryCodeMaxHours: z
    .number()
    .int()
    .min(1, 'At least 1 hour')
    .max(24 * 7, 'At most 7 days'),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  issuer: 'Tessera',
  totpWindow: 1,
  throttleFreeAttempts: 3,
  throttleLockAfter: 10,
  throttleLockMinutes: 30,
  pendingExpiryHours: 72,
  // Email and SMS are weaker than the other methods (NIST 800-63B restricted): off until an admin turns them on.
  methods: { totp: true, hotp: true, recovery: true, webauthn: true, email: false, sms: false },
  deliveredCodeDigits: 6,
  deliveredCodeMinutes: 5,
  sendLimitPerUser: 5,
  sendLimitPerApiKey: 1000,
  sendLimitWindowMinutes: 15,
  resendSeconds: 30,
  temporaryCodeMaxHours: 24,
  rememberDevices: false,
  rememberDeviceMaxDays: 30,
  recheck: false,
  recheckMinSeconds: 3600,
  recheckMaxSeconds: 4 * 3600,
  methodNames: {},
  appsMayRemove: {},
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
  })
  .refine((p) => p.recheckMinSeconds === undefined || p.recheckMaxSeconds === undefined || p.recheckMaxSeconds >= p.recheckMinSeconds, {
    message: 'The longest re-check interval must not be below the shortest',
    path: ['recheckMaxSeconds'],
  });
export type SettingsPatch = z.infer<typeof SettingsPatch>;
