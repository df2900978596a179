import { z } from 'zod';
import { Reason, Username, usernameKey } from './text';

/** Users one bulk action may name (a page of the users list holds 100; a selection spans a few pages). */
export const MAX_BULK_USERS = 500;

/** A selection of users from the users list, and why the operator acts on them (kept in every audit entry). */
export const BulkUsersInput = z
  .object({
    usernames: z
      .array(Username)
      .min(1, 'Select at least one user')
      .max(MAX_BULK_USERS, `Select at most ${MAX_BULK_USERS} users at a time`)
      .refine((names) => new Set(names.map(usernameKey)).size === names.length, 'A user is named twice in the selection'),
    reason: Reason,
  })
  .strict();
export type BulkUsersInput = z.infer<typeof BulkUsersInput>;

export const BULK_ACTIONS = ['disable', 'enable', 'reset'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Why a selected user was left as they were. Stable strings: the console shows them. */
export const BULK_SKIP_REASONS = {
  already_disabled: 'already disabled',
  not_disabled: 'not disabled',
  disabled_by_directory: 'disabled by the directory: enable them there',
} as const;
export type BulkSkipReason = keyof typeof BULK_SKIP_REASONS;

export const BulkUsersResult = z.object({
  action: z.enum(BULK_ACTIONS),
  /** Users the action changed (each has its own audit entry). */
  changed: z.array(z.string()),
  skipped: z.array(z.object({ username: z.string(), reason: z.enum(Object.keys(BULK_SKIP_REASONS) as [BulkSkipReason, ...BulkSkipReason[]]) })),
  /** For a reset: factors and recovery codes removed in all. */
  factorsRemoved: z.number().int(),
  recoveryCodesRemoved: z.number().int(),
});
export type BulkUsersResult = z.infer<typeof BulkUsersResult>;
