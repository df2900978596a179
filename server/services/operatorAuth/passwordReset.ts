import { TesseraError } from '../../../shared/errors';
import { usernameKey } from '../../../shared/schemas/text';
import type { ResetOperatorPasswordInput, ResetOperatorPasswordResult } from '../../../shared/schemas/operators';
import { hashPassword } from '../../core/passwords';
import { CLEAR_THROTTLE } from '../../core/policy/throttle';
import type { OperatorRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { passwordLane } from '../hashLanes';
import { requireGoodPassword, TEMPORARY_PASSWORD_MS, toOperatorView } from '../operatorAccounts';
import { iso } from '../wireViews';
import { reauthenticate } from './reauth';
import type { RequestMeta } from './state';
import { generateTemporaryPassword } from './temporaryPassword';
import { dropTicketsFor } from './tickets';

/**
 * Someone else sets an operator's password: an administrator on the
 * Operators page, or whoever runs `tessera operator reset-password` on the
 * server (the way in for the last administrator). The password is
 * temporary: it signs in for TEMPORARY_PASSWORD_MS, and after signing in its
 * owner can do nothing but choose their own (the server refuses every other
 * call with password_change_required). The reset ends the operator's
 * sessions and open sign-ins, clears their sign-in lock, and writes one
 * 'operator.password.reset' entry.
 *
 * It does not touch their second factor: whoever knows the temporary
 * password still needs the operator's own authenticator (or security key)
 * to sign in as them, so a reset alone hands nobody — the resetting admin
 * included — another operator's account. A lost phone is the separate
 * "Reset second factor" action.
 */

/**
 * From the console: the administrator re-authenticates in the same call
 * (password or a fresh code) — every reset, whoever the target, so a
 * left-open admin session cannot be used to take over another admin's
 * sign-in silently. Their own password they change on their profile.
 */
export async function resetOperatorPassword(
  ctx: ServiceContext,
  admin: { id: string },
  input: ResetOperatorPasswordInput,
  meta: RequestMeta,
  actor: Actor,
): Promise<ResetOperatorPasswordResult> {
  const target = ctx.store.operators.findById(input.id);
  if (!target) throw new TesseraError('not_found', 'No operator with that id');
  if (target.id === admin.id) throw new TesseraError('conflict', 'To change your own password, use your profile page.');
  const password = chosenPassword(target, input.password);
  let proof: { commit: () => boolean };
  try {
    proof = await reauthenticate(ctx, admin.id, input.reauth, meta);
  } catch (err) {
    if (err instanceof TesseraError && err.code === 'invalid_code') {
      throw new TesseraError('invalid_code', err.message, { fields: [{ path: 'reauth', message: err.message }] });
    }
    throw err;
  }
  const passwordHash = await passwordLane.run((derive) => hashPassword(password, undefined, derive));
  const result = ctx.store.tx(() => {
    if (!proof.commit()) {
      const message = 'That code was already used; wait for the next one.';
      throw new TesseraError('invalid_code', message, { fields: [{ path: 'reauth', message }] });
    }
    return applyReset(ctx, target.id, passwordHash, actor, { generated: input.password === undefined });
  });
  dropTicketsFor(ctx, target.id);
  return { ...result, temporaryPassword: input.password === undefined ? password : null };
}

/**
 * From the CLI on the server itself (access to the data folder and its key
 * is already everything): no re-authentication. Returns the temporary
 * password (generated unless `typed`) to print.
 */
export async function resetOperatorPasswordFromCli(
  ctx: ServiceContext,
  username: string,
  typed: string | undefined,
  actor: Actor,
  opts: { secondFactor?: boolean } = {},
): Promise<ResetOperatorPasswordResult & { temporaryPassword: string }> {
  const target = ctx.store.operators.findByKey(usernameKey(username));
  if (!target) throw new TesseraError('not_found', `No operator named "${username}" (tessera operator list shows them)`);
  const password = chosenPassword(target, typed);
  const passwordHash = await passwordLane.run((derive) => hashPassword(password, undefined, derive));
  const result = ctx.store.tx(() =>
    applyReset(ctx, target.id, passwordHash, actor, { generated: typed === undefined, secondFactor: opts.secondFactor === true }),
  );
  dropTicketsFor(ctx, target.id);
  return { ...result, temporaryPassword: password };
}

/** The typed password after the shared rules, or a generated one. */
function chosenPassword(target: OperatorRow, typed: string | undefined): string {
  if (typed === undefined) return generateTemporaryPassword();
  requireGoodPassword(typed, '', { username: target.username });
  return typed;
}

/** Inside the caller's transaction: the new temporary password, sessions ended, the lock cleared, the entry. */
function applyReset(
  ctx: ServiceContext,
  targetId: string,
  passwordHash: string,
  actor: Actor,
  extra: { generated: boolean; secondFactor?: boolean },
): Omit<ResetOperatorPasswordResult, 'temporaryPassword'> {
  const op = ctx.store.operators.findById(targetId);
  if (!op) throw new TesseraError('not_found', 'No operator with that id');
  const now = ctx.clock();
  const expiresAt = now + TEMPORARY_PASSWORD_MS;
  const unlocked = op.failures > 0 || op.locked_until !== null;
  ctx.store.operators.update(op.id, {
    password_hash: passwordHash,
    password_must_change: 1,
    password_expires_at: expiresAt,
    password_changed_at: now,
    failures: CLEAR_THROTTLE.failures,
    last_failure_at: CLEAR_THROTTLE.lastFailureAt,
    locked_until: CLEAR_THROTTLE.lockedUntil,
    // Lost phone too (the CLI's --second-factor, for the last administrator): they enroll a new authenticator after the password.
    ...(extra.secondFactor
      ? { totp_sealed: null, totp_key_version: null, totp_last_step: 0, status: op.status === 'disabled' ? ('disabled' as const) : ('pending' as const) }
      : {}),
  });
  const keysRemoved = extra.secondFactor ? ctx.store.webauthn.deleteAllForOperator(op.id) : 0;
  const sessionsEnded = ctx.store.sessions.deleteForOperator(op.id);
  ctx.audit.append({
    actor,
    action: 'operator.password.reset',
    outcome: 'success',
    details: {
      operatorId: op.id,
      operator: op.username,
      role: op.role,
      generated: extra.generated,
      sessionsEnded,
      unlocked,
      expiresAt: iso(expiresAt),
      ...(extra.secondFactor ? { secondFactorReset: true, securityKeysRemoved: keysRemoved } : {}),
    },
  });
  return { operator: toOperatorView(ctx.store.operators.findById(op.id)!), expiresAt: iso(expiresAt)!, sessionsEnded };
}
