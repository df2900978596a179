import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import type { CreateOperatorInput, OperatorView, UpdateOperatorInput } from '../../shared/schemas/operators';
import { hashPassword, passwordProblems } from '../core/passwords';
import type { OperatorRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { passwordLane } from './hashLanes';
import { newOperatorNameProblem } from './operatorNames';
import { toOperatorView } from './operatorAuth';

export function listOperators(ctx: ServiceContext): OperatorView[] {
  return ctx.store.operators.list().map(toOperatorView);
}

/** Adds an operator with a starting password; they enroll their own TOTP at first sign-in. */
export async function createOperator(ctx: ServiceContext, input: CreateOperatorInput, actor: Actor): Promise<OperatorView> {
  const problems = passwordProblems(input.password);
  if (problems.length > 0) throw new TesseraError('bad_request', problems.join(' '), { fields: problems.map((message) => ({ path: 'password', message })) });
  const key = usernameKey(input.username);
  if (ctx.store.operators.findByKey(key)) throw new TesseraError('conflict', `An operator named "${input.username}" already exists`);
  const nameProblem = newOperatorNameProblem(ctx, input.username);
  if (nameProblem) throw nameProblem;
  const passwordHash = await passwordLane.run(() => hashPassword(input.password));
  return ctx.store.tx(() => {
    if (ctx.store.operators.findByKey(key)) throw new TesseraError('conflict', `An operator named "${input.username}" already exists`);
    const lateProblem = newOperatorNameProblem(ctx, input.username);
    if (lateProblem) throw lateProblem;
    const id = randomUUID();
    ctx.store.operators.insert({ id, username: input.username, username_key: key, display_name: input.displayName ?? null, role: input.role, password_hash: passwordHash, status: 'pending', created_at: ctx.clock() });
    // The name's sign-in throttle starts afresh with the operator; failures against it as an unknown name go.
    ctx.store.loginPhantoms.delete(key);
    ctx.audit.append({ actor, action: 'operator.create', outcome: 'success', details: { operatorId: id, operator: input.username, role: input.role } });
    return toOperatorView(ctx.store.operators.findById(id)!);
  });
}

function activeAdmins(ctx: ServiceContext): OperatorRow[] {
  return ctx.store.operators.list().filter((o) => o.role === 'admin' && o.status === 'active');
}

/**
 * Changes an operator's role, status, name or second factor. Disabling (or
 * resetting the second factor) ends their sessions at once. The last active
 * admin cannot be demoted or disabled: someone must be able to administer.
 */
export function updateOperator(ctx: ServiceContext, input: UpdateOperatorInput, actor: Actor): OperatorView {
  return ctx.store.tx(() => {
    const op = ctx.store.operators.findById(input.id);
    if (!op) throw new TesseraError('not_found', 'No operator with that id');
    const fields: Partial<OperatorRow> = {};
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    if (input.role !== undefined && input.role !== op.role) { fields.role = input.role; changed.role = { from: op.role, to: input.role }; }
    if (input.status !== undefined && input.status !== op.status && !(input.status === 'active' && op.status === 'pending')) {
      fields.status = input.status === 'active' && !op.totp_sealed ? 'pending' : input.status;
      changed.status = { from: op.status, to: fields.status };
    }
    if (input.displayName !== undefined && input.displayName !== op.display_name) { fields.display_name = input.displayName; changed.displayName = { from: op.display_name, to: input.displayName }; }
    if (input.resetSecondFactor) {
      Object.assign(fields, { totp_sealed: null, totp_key_version: null, totp_last_step: 0, status: op.status === 'disabled' ? 'disabled' : 'pending' });
      changed.secondFactor = { from: 'enrolled', to: 'reset' };
    }
    if (Object.keys(changed).length === 0) return toOperatorView(op);
    const losesAdmin = op.role === 'admin' && op.status === 'active' && ((fields.role && fields.role !== 'admin') || (fields.status && fields.status !== 'active'));
    if (losesAdmin && activeAdmins(ctx).length <= 1) {
      throw new TesseraError('conflict', 'This is the last active administrator; add another administrator first');
    }
    ctx.store.operators.update(op.id, fields);
    // A lost second factor may be a lost key: resetting removes the operator's security keys too.
    const keysRemoved = input.resetSecondFactor ? ctx.store.webauthn.deleteAllForOperator(op.id) : 0;
    if (keysRemoved > 0) changed.securityKeys = { from: keysRemoved, to: 0 };
    const ended = fields.status !== undefined && fields.status !== 'active' ? ctx.store.sessions.deleteForOperator(op.id) : 0;
    ctx.audit.append({ actor, action: 'operator.update', outcome: 'success', details: { operatorId: op.id, operator: op.username, changed, sessionsEnded: ended } });
    return toOperatorView(ctx.store.operators.findById(op.id)!);
  });
}
