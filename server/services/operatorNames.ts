import { TesseraError } from '../../shared/errors';
import { mixedScriptMessage } from '../../shared/schemas/scripts';
import { usernameSkeleton } from '../core/usernames/skeleton';
import type { ServiceContext } from './context';

/**
 * Why a new operator cannot have this name, or null: it looks like another
 * operator's (the same UTS #39 skeleton: conflict, naming them — the audit
 * log and the operators page must not show two names a reader cannot tell
 * apart), or it mixes scripts. Operators are few: their skeletons are
 * computed as asked, no column needed.
 */
export function newOperatorNameProblem(ctx: ServiceContext, username: string): TesseraError | null {
  const skeleton = usernameSkeleton(username);
  const alike = ctx.store.operators.list().find((o) => usernameSkeleton(o.username) === skeleton);
  if (alike)
    return new TesseraError(
      'conflict',
      `Username "${username}" looks like the existing operator "${alike.username}"; choose a name that cannot be mistaken for it`,
    );
  const mixed = mixedScriptMessage('Username', username);
  return mixed ? new TesseraError('bad_request', mixed, { fields: [{ path: 'username', message: mixed }] }) : null;
}
