import { TesseraError } from '../../../shared/errors';
import type { ChangePasswordInput, OperatorView } from '../../../shared/schemas/operators';
import { hashPassword } from '../../core/passwords';
import { hashToken } from '../../core/tokens';
import { operatorActor, type ServiceContext } from '../context';
import { passwordLane } from '../hashLanes';
import { requireGoodPassword, toOperatorView } from '../operatorAccounts';
import { reauthenticate } from './reauth';
import type { RequestMeta } from './state';
import { dropTicketsFor } from './tickets';

/**
 * A signed-in operator replaces their own password (ASVS 4 2.1.5: the
 * current one and the new one): on their profile, or — when someone else set
 * it — on the only screen the console shows them until they do.
 *
 * In order, cheapest refusal first: the new password against the shared
 * rules and against the current one as typed (no hash, nothing recorded);
 * then the current password through reauthenticate (throttled, one check in
 * flight per name, a wrong one counted and audited as 'operator.reauth');
 * then the new hash in the password lane; then one transaction that stores
 * it, ends the operator's other sessions (this one stays) and writes one
 * 'operator.password.change' entry. Open sign-ins begun with the old
 * password are dropped.
 */
export async function changeOwnPassword(
  ctx: ServiceContext,
  who: { operatorId: string; sessionId: string },
  input: ChangePasswordInput,
  meta: RequestMeta,
): Promise<OperatorView> {
  const op = ctx.store.operators.findById(who.operatorId);
  if (!op || op.status !== 'active') throw new TesseraError('unauthorized', 'Sign in to continue');
  requireGoodPassword(input.newPassword, '', { username: op.username, field: 'newPassword' });
  if (input.newPassword.normalize('NFKC') === input.currentPassword.normalize('NFKC')) {
    const message = op.password_must_change
      ? 'Choose a new password: this one was set for you, so someone else knows it.'
      : 'Choose a password different from your current one.';
    throw new TesseraError('bad_request', message, { fields: [{ path: 'newPassword', message }] });
  }
  let proof: { commit: () => boolean };
  try {
    proof = await reauthenticate(ctx, op.id, { password: input.currentPassword }, meta);
  } catch (err) {
    if (err instanceof TesseraError && err.code === 'invalid_code') {
      const message = 'That is not your current password.';
      throw new TesseraError('invalid_code', message, { fields: [{ path: 'currentPassword', message }] });
    }
    throw err;
  }
  const passwordHash = await passwordLane.run((derive) => hashPassword(input.newPassword, undefined, derive));
  const now = ctx.clock();
  const view = ctx.store.tx(() => {
    const fresh = ctx.store.operators.findById(op.id);
    if (!fresh || fresh.status !== 'active') throw new TesseraError('unauthorized', 'Sign in to continue');
    // Checked against the hash the current password was verified with: a reset or another change in between wins.
    if (fresh.password_hash !== op.password_hash) {
      throw new TesseraError('conflict', 'Your password was changed or reset a moment ago. Sign in again with the new one.');
    }
    proof.commit();
    ctx.store.operators.update(op.id, { password_hash: passwordHash, password_must_change: 0, password_expires_at: null, password_changed_at: now });
    const sessionsEnded = ctx.store.sessions.deleteOthersForOperator(op.id, hashToken(who.sessionId));
    ctx.audit.append({
      actor: operatorActor(op, meta.ip),
      action: 'operator.password.change',
      outcome: 'success',
      details: { operatorId: op.id, forced: fresh.password_must_change === 1, sessionsEnded },
    });
    return toOperatorView(ctx.store.operators.findById(op.id)!);
  });
  dropTicketsFor(ctx, op.id);
  return view;
}
