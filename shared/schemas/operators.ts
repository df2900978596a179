import { z } from 'zod';
import { cleanText, DisplayName, Username } from './text';

export const OPERATOR_ROLES = ['admin', 'helpdesk', 'auditor'] as const;
export const OperatorRole = z.enum(OPERATOR_ROLES);
export type OperatorRole = z.infer<typeof OperatorRole>;

export const ROLE_LABELS: Record<OperatorRole, string> = {
  admin: 'Administrator',
  helpdesk: 'Helpdesk',
  auditor: 'Auditor',
};

/** Passwords are not trimmed or normalised here: the core hashes exactly what was typed (after NFKC). */
export const Password = z.string({ error: 'Password is required' }).min(1, 'Password is required').max(1024, 'Password is too long');

export const OtpCode = z
  .string({ error: 'Code is required' })
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6,8}$/, 'Enter the 6-digit code from your authenticator app'));

export const Ticket = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not a valid sign-in step');

export const SetupInput = z
  .object({
    token: z.string().min(20).max(200),
    username: Username,
    displayName: DisplayName.optional(),
    password: Password,
  })
  .strict();
export type SetupInput = z.infer<typeof SetupInput>;

export const LoginInput = z.object({ username: cleanText(128, 'Username'), password: Password }).strict();
export type LoginInput = z.infer<typeof LoginInput>;

export const LoginStep = z.discriminatedUnion('next', [
  /** `webauthn`: the operator also has a security key or passkey for this console address, usable instead of the code. */
  z.object({ next: z.literal('totp'), ticket: z.string(), webauthn: z.boolean().optional() }),
  z.object({ next: z.literal('enroll'), ticket: z.string(), otpauthUri: z.string(), secret: z.string() }),
]);
export type LoginStep = z.infer<typeof LoginStep>;

export const CodeStepInput = z.object({ ticket: Ticket, code: OtpCode }).strict();
export type CodeStepInput = z.infer<typeof CodeStepInput>;

export const TicketInput = z.object({ ticket: Ticket }).strict();

export const OperatorView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  role: OperatorRole,
  status: z.enum(['pending', 'active', 'disabled']),
  createdAt: z.string(),
});
export type OperatorView = z.infer<typeof OperatorView>;

export const CreateOperatorInput = z
  .object({
    username: Username,
    displayName: DisplayName.optional(),
    role: OperatorRole,
    password: Password,
  })
  .strict();
export type CreateOperatorInput = z.infer<typeof CreateOperatorInput>;

export const UpdateOperatorInput = z
  .object({
    id: z.string().min(1).max(64),
    role: OperatorRole.optional(),
    status: z.enum(['active', 'disabled']).optional(),
    displayName: DisplayName.nullable().optional(),
    resetSecondFactor: z.boolean().optional(),
  })
  .strict();
export type UpdateOperatorInput = z.infer<typeof UpdateOperatorInput>;
