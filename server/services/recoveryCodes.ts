import { generateRecoveryCodeSet, hashRecoveryCodeSecret } from '../core/recovery/recoveryCodes';
import type { RecoveryCodesIssued } from '../../shared/schemas/factors';
import type { Actor, ServiceContext } from './context';
import { requireMethodEnabled } from './factors';
import { recoveryLane } from './hashLanes';
import { requireUser } from './users';

/**
 * Issues a new set of 10 recovery codes, voiding the old set. The codes are
 * hashed off the event loop first (in the recovery lane), then swapped in
 * one transaction; they are returned here once and never again.
 */
export async function issueRecoveryCodes(ctx: ServiceContext, username: string, actor: Actor): Promise<RecoveryCodesIssued> {
  requireMethodEnabled(ctx, 'recovery');
  requireUser(ctx, username);
  const codes = generateRecoveryCodeSet();
  // In the recovery lane behind any verify, all ten queued or none.
  recoveryLane.requireRoom(codes.length);
  const hashes = await Promise.all(codes.map((c) => recoveryLane.run(() => hashRecoveryCodeSecret(c.secret))));
  const now = ctx.clock();
  ctx.store.tx(() => {
    const user = requireUser(ctx, username); // it may have been deleted while we hashed
    const voided = ctx.store.recoveryCodes.deleteAllForUser(user.id);
    codes.forEach((c, i) => ctx.store.recoveryCodes.insert({ user_id: user.id, lookup_id: c.lookupId, hash: hashes[i]!, created_at: now }));
    ctx.audit.append({ actor, action: 'recovery.issue', user: user.username, outcome: 'success', details: { issued: codes.length, voided } });
  });
  return { codes: codes.map((c) => c.display) };
}
