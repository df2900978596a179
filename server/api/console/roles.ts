import { TesseraError } from '../../../shared/errors';
import { roleAllows, ROLE_SETS, type RoleSet } from '../../../shared/roles';
import type { ConsoleSessionInfo } from './session';

export { ROLE_SETS, type RoleSet };

/** The one role check: every tRPC procedure builder and console HTTP route reaches it through consoleAuth.operatorFor. */
export function requireRole(session: ConsoleSessionInfo | null, set: RoleSet): ConsoleSessionInfo {
  if (!session) throw new TesseraError('unauthorized', 'Sign in to continue');
  if (!roleAllows(session.operator.role, set)) throw new TesseraError('forbidden', 'Your role does not allow this');
  return session;
}
