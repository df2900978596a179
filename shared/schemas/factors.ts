import { z } from 'zod';
import { cleanText } from './text';
import { FactorType } from './methods';

export const OtpAlgorithm = z.enum(['SHA1', 'SHA256', 'SHA512']);

export const EnrollFactorInput = z
  .object({
    type: z.enum(['totp', 'hotp']),
    label: cleanText(64, 'Label').optional(),
    algorithm: OtpAlgorithm.optional().default('SHA1'),
    digits: z
      .union([z.literal(6), z.literal(8)])
      .optional()
      .default(6),
    period: z
      .union([z.literal(30), z.literal(60)])
      .optional()
      .default(30),
  })
  .strict();
export type EnrollFactorInput = z.infer<typeof EnrollFactorInput>;

/**
 * Enrolling an email or SMS factor: the code goes to `destination` (an
 * address, an E.164 number), or to the user's own email or phone when it is
 * left out. The factor stays pending until the code sent to it comes back.
 */
export const EnrollDeliveredInput = z
  .object({
    type: z.enum(['email', 'sms']),
    label: cleanText(64, 'Label').optional(),
    destination: z.string().trim().min(1, 'Destination must not be empty').max(254, 'Destination is too long').optional(),
  })
  .strict();
export type EnrollDeliveredInput = z.infer<typeof EnrollDeliveredInput>;

/** Any factor a REST client or the console enrolls by type (WebAuthn has its own ceremony). */
export const EnrollAnyFactorInput = z.discriminatedUnion('type', [EnrollFactorInput, EnrollDeliveredInput]);
export type EnrollAnyFactorInput = z.infer<typeof EnrollAnyFactorInput>;

/** A pending email/SMS factor and the confirmation code sent to it (the code itself only in the message). */
export const EnrolledDeliveredFactor = z.object({
  id: z.string(),
  type: z.enum(['email', 'sms']),
  status: z.literal('pending'),
  /** Masked: a•••@example.org, +•• ••• ••12. */
  destination: z.string(),
  transactionId: z.string(),
  codeExpiresAt: z.string(),
  expiresAt: z.string(),
});
export type EnrolledDeliveredFactor = z.infer<typeof EnrolledDeliveredFactor>;

export const EnrolledFactor = z.object({
  id: z.string(),
  type: z.enum(['totp', 'hotp']),
  status: z.literal('pending'),
  secret: z.string(),
  otpauthUri: z.string(),
  expiresAt: z.string(),
});
export type EnrolledFactor = z.infer<typeof EnrolledFactor>;

export const ConfirmFactorInput = z
  .object({
    code: z.string().min(1, 'code must not be empty').max(32, 'code is too long'),
  })
  .strict();

/** A WebAuthn factor's authenticator: never a secret (a credential is a public key and its id). */
export const WebauthnFactorInfo = z.object({
  aaguid: z.string(),
  /** The authenticator model named by its AAGUID, or "Unknown model". */
  model: z.string(),
  rpId: z.string(),
  backedUp: z.boolean(),
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  transports: z.array(z.string()),
  /** Set when the signature counter went backwards (a possible clone): refused until removed. */
  flaggedAt: z.string().nullable(),
  flagReason: z.string().nullable(),
});
export type WebauthnFactorInfo = z.infer<typeof WebauthnFactorInfo>;

export const FactorView = z.object({
  id: z.string(),
  type: FactorType,
  /** The method's name as this Tessera calls it (an admin may rename methods: "Backup codes"). */
  methodName: z.string(),
  /** Whether applications (provision scope) may remove it; false: only operators may. */
  appsMayRemove: z.boolean(),
  status: z.enum(['pending', 'active']),
  label: z.string().nullable(),
  algorithm: OtpAlgorithm.nullable(),
  digits: z.number().int().nullable(),
  period: z.number().int().nullable(),
  createdAt: z.string(),
  confirmedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  /** Only on WebAuthn factors. */
  webauthn: WebauthnFactorInfo.optional(),
  /** Only on email and SMS factors: where codes go, masked (a•••@example.org, +•• ••• ••12). */
  destination: z.string().optional(),
});
export type FactorView = z.infer<typeof FactorView>;

export const RecoveryCodesIssued = z.object({ codes: z.array(z.string()) });
export type RecoveryCodesIssued = z.infer<typeof RecoveryCodesIssued>;

export const RenameFactorInput = z.object({ label: cleanText(64, 'Label') }).strict();

export const HotpResyncInput = z
  .object({
    code1: z.string().regex(/^\d{6,8}$/, 'code1 must be 6–8 digits'),
    code2: z.string().regex(/^\d{6,8}$/, 'code2 must be 6–8 digits'),
  })
  .strict();
