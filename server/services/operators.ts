import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TesseraError } from '../../shared/errors';
import { DisplayName, Username, usernameKey } from '../../shared/schemas/text';
import { Password } from '../../shared/schemas/operators';
import { hashPassword, passwordProblems } from '../core/passwords';
import type { Actor, ServiceContext } from './context';
import { passwordLane } from './hashLanes';

export const FirstAdminInput = z.object({
  username: Username,
  displayName: DisplayName.optional(),
  password: Password,
}).strict();
export type FirstAdminInput = z.input<typeof FirstAdminInput>;

/**
 * `tessera init --admin NAME --admin-password-stdin`: creates the first
 * administrator, status 'pending' (they enroll their own TOTP at their first
 * console sign-in). Refused once any operator exists, checked again inside
 * the transaction, so two concurrent inits cannot make two first admins.
 * The password is hashed before the transaction (scrypt is slow).
 */
export async function createFirstAdmin(ctx: ServiceContext, raw: FirstAdminInput, actor: Actor): Promise<{ id: string; username: string }> {
  const parsed = FirstAdminInput.safeParse(raw);
  if (!parsed.success) throw new TesseraError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
  const input = parsed.data;
  const problems = passwordProblems(input.password);
  if (problems.length > 0) {
    throw new TesseraError('bad_request', `Password refused: ${problems.join(' ')}`, { fields: problems.map((message) => ({ path: 'password', message })) });
  }
  if (ctx.store.operators.count() > 0) throw alreadyExists();
  const passwordHash = await passwordLane.run(() => hashPassword(input.password));
  return ctx.store.tx(() => {
    if (ctx.store.operators.count() > 0) throw alreadyExists();
    const id = randomUUID();
    ctx.store.operators.insert({
      id,
      username: input.username,
      username_key: usernameKey(input.username),
      display_name: input.displayName ?? null,
      role: 'admin',
      password_hash: passwordHash,
      status: 'pending',
      created_at: ctx.clock(),
    });
    ctx.store.loginPhantoms.delete(usernameKey(input.username));
    ctx.audit.append({ actor, action: 'operator.create', outcome: 'success', details: { operatorId: id, operator: input.username, role: 'admin', firstAdmin: true } });
    return { id, username: input.username };
  });
}

function alreadyExists(): TesseraError {
  return new TesseraError('conflict', 'An operator already exists; add more operators from the console');
}
