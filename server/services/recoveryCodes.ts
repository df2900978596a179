import type { RecoveryCodesIssued } from '../../shared/schemas/factors';
import type { Actor, ServiceContext } from './context';
import { recovery } from './methods/recovery';
import { requireMethodEnabled } from './methods/registry';
import { requireUser } from './users';

/**
 * Issues a new set of 10 recovery codes, voiding the old set. The codes are
 * hashed off the event loop first (in the recovery lane), then swapped in
 * one transaction; they are returned here once and never again.
 */
export async function issueRecoveryCodes(ctx: ServiceContext, username: string, actor: Actor): Promise<RecoveryCodesIssued> {
  requireMethodEnabled(ctx, 'recovery');
  requireUser(ctx, username);
  const set = await recovery.enroll.prepare();
  const now = ctx.clock();
  ctx.store.tx(() => {
    const user = requireUser(ctx, username); // it may have been deleted while we hashed
    const { issued, voided } = recovery.enroll.install(ctx, user, set, now);
    ctx.audit.append({ actor, action: 'recovery.issue', user: user.username, outcome: 'success', details: { issued, voided } });
  });
  return { codes: set.codes.map((c) => c.display) };
}
