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
