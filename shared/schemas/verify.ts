import { z } from 'zod';
import { cleanText, Id, Username } from './text';
import { FactorType } from './methods';

/** A remembered device's token as Tessera hands it out: "tdt_" and 43 base64url characters (256 random bits). */
export const DeviceToken = z.string().regex(/^tdt_[A-Za-z0-9_-]{43}$/, 'deviceToken is not a token Tessera issued');

export const VerifyInput = z
  .object({
    user: Username,
    /** The code the user typed; not needed with a deviceToken. */
    code: z
      .string({ error: (issue) => (issue.input === undefined ? 'code is required' : 'code must be text') })
      .min(1, 'code must not be empty')
      .max(64, 'code is too long')
      .optional(),
    /** The challenge's transactionId, for a code Tessera sent: that code is then accepted for this transaction only. */
    transactionId: Id.optional(),
    /** A remembered device's token instead of a code (when remembered devices are on). */
    deviceToken: DeviceToken.optional(),
    /** After a right code, remember this device: the answer carries its deviceToken. */
    remember: z
      .object({
        label: cleanText(64, 'Device label'),
        /** How long; at most the rememberDeviceMaxDays setting (the default). */
        days: z.number().int('days must be a whole number').min(1, 'days must be at least 1').max(365, 'days must be at most 365').optional(),
      })
      .strict()
      .optional(),
    /** The user's browser or client, shown beside a remembered device. */
    userAgent: cleanText(256, 'userAgent').optional(),
  })
  .strict()
  .refine((v) => v.code !== undefined || v.deviceToken !== undefined, { message: 'code is required', path: ['code'] })
  .refine((v) => v.code === undefined || v.deviceToken === undefined, { message: 'Send a code or a deviceToken, not both', path: ['deviceToken'] })
  .refine((v) => v.remember === undefined || v.code !== undefined, { message: 'A device is remembered after a right code', path: ['remember'] });
export type VerifyInput = z.infer<typeof VerifyInput>;

/** What a successful verify adds beyond the factor: set only when asked for or turned on. */
const VerifiedExtras = {
  recoveryCodesLeft: z.number().int().optional(),
  /** After a helpdesk's temporary code: how many more times it works. */
  temporaryUsesLeft: z.number().int().optional(),
  /** With `remember`: the token to send instead of a code next time (shown once), and until when it works. */
  deviceToken: z.string().optional(),
  deviceId: z.string().optional(),
  deviceExpiresAt: z.string().optional(),
  /** With re-checks on: ask this user for a code again after this many seconds. */
  recheckAfterSeconds: z.number().int().optional(),
};

/** Why a verify said no: stable codes applications branch on (docs: README "Verify answers"). */
export const VerifyRefusal = z
  .enum(['invalid_code', 'no_factor', 'throttled', 'locked', 'device_not_remembered', 'user_disabled', 'method_disabled', 'code_already_used'])
  .meta({
    description:
      'invalid_code: a wrong or expired code (counted as a failure). no_factor: the user has no factor that takes codes. ' +
      'throttled / locked: too many recent failures (429 / 423 with retryAfterSeconds; no code was checked). ' +
      'device_not_remembered: the deviceToken is unknown, expired or revoked (not counted). user_disabled: the user is disabled in the directory. ' +
      'method_disabled: the code is for a method turned off in settings (not counted; ask an administrator). ' +
      'code_already_used: a right code that was already used (a TOTP step, an HOTP press, a recovery code): wait for the next one (counted).',
  });
export type VerifyRefusal = z.infer<typeof VerifyRefusal>;

/** Each refusal in words, for a person (the console, a RADIUS Reply-Message, a demo app). */
export const VERIFY_REFUSAL_TEXT: Record<VerifyRefusal, string> = {
  invalid_code: 'Wrong code: check the device and try again',
  no_factor: 'No sign-in method is set up for this user',
  throttled: 'Too many wrong codes: wait a moment and try again',
  locked: 'Too many wrong codes: this user is locked for a while',
  device_not_remembered: 'This device is no longer remembered: enter a code',
  user_disabled: 'This user is disabled',
  method_disabled: 'This sign-in method is turned off on this Tessera: ask your helpdesk',
  code_already_used: 'This code was already used: wait for the next one',
};

export const VerifyResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    factor: z.object({ id: z.string(), type: z.union([FactorType, z.literal('recovery'), z.literal('temporary'), z.literal('remembered')]) }),
    ...VerifiedExtras,
  }),
  z.object({
    ok: z.literal(false),
    /**
     * device_not_remembered: the deviceToken is unknown, expired, revoked or another application's.
     * user_disabled: the user left the directory or is disabled there (their factors are kept for now).
     * method_disabled: the code is for a method turned off in settings (not counted as a failure).
     * code_already_used: a right code that was used already (a TOTP step, an HOTP press, a recovery code); counted.
     */
    reason: VerifyRefusal,
    retryAfterSeconds: z.number().int().optional(),
  }),
]);
export type VerifyResult = z.infer<typeof VerifyResult>;
