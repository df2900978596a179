import type { OperatorRole } from './schemas/operators';

/**
 * Who may do what, in one place. The server's procedure builders enforce
 * these sets; the console reads the same table only to hide what a role may
 * not do.
 */
export const ROLE_SETS = {
  /** Any signed-in operator. */
  anyOperator: ['admin', 'helpdesk', 'auditor'],
  /** Reads of users and their factors. */
  readUsers: ['admin', 'helpdesk', 'auditor'],
  /** Helpdesk actions on a user: reset, unlock, recovery codes, (re)enroll, remove a factor. */
  helpdesk: ['admin', 'helpdesk'],
  /** The audit log, settings and API clients, read-only. */
  audit: ['admin', 'auditor'],
  /** Everything that changes configuration, users or operators. */
  admin: ['admin'],
} as const satisfies Record<string, readonly OperatorRole[]>;

export type RoleSet = keyof typeof ROLE_SETS;

export function roleAllows(role: OperatorRole, set: RoleSet): boolean {
  return (ROLE_SETS[set] as readonly OperatorRole[]).includes(role);
}
