import { TesseraError } from '../../../shared/errors';
import type { OperatorRole } from '../../../shared/schemas/operators';
import type { ConsoleSessionInfo } from './session';

/**
 * Who may do what, in one place. Every tRPC procedure and every console HTTP
 * route is built from one of these; the role matrix test calls each one as
 * each role and as nobody.
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

export function requireRole(session: ConsoleSessionInfo | null, set: RoleSet): ConsoleSessionInfo {
  if (!session) throw new TesseraError('unauthorized', 'Sign in to continue');
  if (!(ROLE_SETS[set] as readonly string[]).includes(session.operator.role)) {
    throw new TesseraError('forbidden', 'Your role does not allow this');
  }
  return session;
}
