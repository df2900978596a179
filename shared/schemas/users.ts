import { z } from 'zod';
import { DisplayName, Email, Flag, Limit, Reason, Username } from './text';
import { FactorView } from './factors';
import { PhoneNumber } from './phone';
import { TemporaryCodeView } from './temporaryCodes';
import { RememberedDeviceView } from './rememberedDevices';

export const CreateUserInput = z
  .object({
    username: Username,
    displayName: DisplayName.optional(),
    email: Email.optional(),
    /** A mobile number for SMS codes, with its country code; stored as E.164. */
    phone: PhoneNumber.optional(),
  })
  .strict();
export type CreateUserInput = z.infer<typeof CreateUserInput>;

/** Changes a user's details: a field given is set (null clears it), a field left out is kept. */
export const UpdateUserInput = z
  .object({
    displayName: DisplayName.nullable().optional(),
    email: Email.nullable().optional(),
    phone: PhoneNumber.nullable().optional(),
  })
  .strict()
  .refine((u) => u.displayName !== undefined || u.email !== undefined || u.phone !== undefined, 'Give at least one of displayName, email, phone');
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

/**
 * Whether the user can sign in now, first match wins: disabled; locked (until
 * `until`); throttled (a growing delay after failures, until `until`); no
 * active factor; else active.
 */
export const UserStatus = z.object({
  state: z.enum(['active', 'locked', 'throttled', 'disabled', 'noFactor']),
  until: z.string().nullable(),
});
export type UserStatus = z.infer<typeof UserStatus>;

export const UserSummary = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  /** Masked (+•• ••• ••12): the full number is never shown. */
  phone: z.string().nullable(),
  createdAt: z.string(),
  hasActiveFactor: z.boolean(),
  /** directory: the directory owns this user (display name, email and phone are read-only here). */
  source: z.enum(['local', 'directory']),
  /** Disabled (by an operator, or left the directory, or disabled there): verify and challenge refuse them. */
  disabled: z.boolean(),
  status: UserStatus,
  /** The last successful verify, or null before any. */
  lastSignInAt: z.string().nullable(),
});
export type UserSummary = z.infer<typeof UserSummary>;

export const ThrottleView = z.object({
  failures: z.number().int(),
  state: z.enum(['ok', 'throttled', 'locked']),
  retryAfterSeconds: z.number().int().nullable(),
});
export type ThrottleView = z.infer<typeof ThrottleView>;

export const UserDetail = UserSummary.extend({
  factors: z.array(FactorView),
  recoveryCodes: z.object({ total: z.number().int(), unused: z.number().int() }),
  throttle: ThrottleView,
  /** The helpdesk's live temporary code (never the code itself), or null. */
  temporaryCode: TemporaryCodeView.nullable(),
  /** What the last successful verify used (mfa2's "go to the last method"): a factor, or recovery/temporary; null before any. */
  lastUsed: z.object({ factorId: z.string(), type: z.string(), at: z.string() }).nullable(),
  /** Devices applications asked to remember (never their tokens). */
  rememberedDevices: z.array(RememberedDeviceView),
  /** When and why the user was disabled (removed_from_directory, disabled_in_directory); null when not. */
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  /** For a directory user: their entry's DN, the last sync that changed them, and their groups. */
  directory: z.object({ dn: z.string(), syncedAt: z.string().nullable(), groups: z.array(z.string()) }).nullable(),
});
export type UserDetail = z.infer<typeof UserDetail>;

/** The orders of the users list: username (accents folded), display name (no name last), creation, last sign-in (never counts as oldest). */
export const USER_SORTS = ['username', 'name', 'created', 'lastSignIn'] as const;
export const UserSort = z.enum(USER_SORTS, { error: `sort must be one of ${USER_SORTS.join(', ')}` });
export type UserSort = z.infer<typeof UserSort>;
export const SortOrder = z.enum(['asc', 'desc'], { error: 'order must be asc or desc' });
export type SortOrder = z.infer<typeof SortOrder>;

/** A users-list cursor: longer than others, it carries the sort key of the page's last row. */
export const UserCursor = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]*$/, 'Not a valid cursor');

export const ListUsersInput = z
  .object({
    // No stored text holds a NUL (and PostgreSQL text cannot): refused, not searched for.
    query: z
      .string()
      .max(128)
      .refine((s) => !s.includes('\u0000'), 'The search must not contain a NUL character')
      .optional()
      .default(''),
    limit: Limit,
    cursor: UserCursor.optional(),
    withoutFactor: Flag.optional(),
    /** Only users who cannot sign in now for their failures: locked, or throttled. */
    locked: Flag.optional(),
    sort: UserSort.optional().default('username'),
    order: SortOrder.optional().default('asc'),
  })
  .strict();
export type ListUsersInput = z.infer<typeof ListUsersInput>;

export const UserPage = z.object({ items: z.array(UserSummary), nextCursor: z.string().nullable() });
export type UserPage = z.infer<typeof UserPage>;

export const ReasonInput = z.object({ reason: Reason }).strict();
export type ReasonInput = z.infer<typeof ReasonInput>;
