import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TesseraError } from '../../shared/errors';
import { DisplayName, Username, usernameKey } from '../../shared/schemas/text';
import { Password, type CreateOperatorInput, type OperatorView, type UpdateOperatorInput } from '../../shared/schemas/operators';
import { hashPassword, passwordProblems } from '../core/passwords';
import { TEMPORARY_PASSWORD_DAYS } from '../../shared/passwordRules';
import type { OperatorRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { passwordLane } from './hashLanes';
import { newOperatorNameProblem } from './operatorNames';
import { iso } from './wireViews';

/** An operator as the console sees it (no hash, no seed). */
export function toOperatorView(op: OperatorRow): OperatorView {
  return {
    id: op.id,
    username: op.username,
    displayName: op.display_name,
    role: op.role,
    status: op.status,
    createdAt: iso(op.created_at)!,
    mustChangePassword: op.password_must_change === 1,
    temporaryPasswordExpiresAt: op.password_must_change === 1 ? iso(op.password_expires_at) : null,
    passwordChangedAt: iso(op.password_changed_at),
  };
}

/**
 * How long a password set by someone else (a new operator's, a reset one)
 * signs in before its owner has replaced it: long enough to reach them over
 * a weekend, short enough that a forgotten one does not lie about for good.
 */
export const TEMPORARY_PASSWORD_MS = TEMPORARY_PASSWORD_DAYS * 24 * 3_600_000;

export function listOperators(ctx: ServiceContext): OperatorView[] {
  return ctx.store.operators.list().map(toOperatorView);
}

export const FirstAdminInput = z
  .object({
    username: Username,
    displayName: DisplayName.optional(),
    password: Password,
  })
  .strict();
export type FirstAdminInput = z.input<typeof FirstAdminInput>;

/**
 * `tessera init --admin NAME --admin-password-stdin`: creates the first
 * administrator, status 'pending' (they enroll their own TOTP at their first
 * console sign-in). Refused once any operator exists, checked again inside
 * the transaction, so two concurrent inits cannot make two first admins.
 * The password is hashed before the transaction (scrypt is slow). Alone, the
 * first admin's name is not checked for look-alikes.
 */
export async function createFirstAdmin(ctx: ServiceContext, raw: FirstAdminInput, actor: Actor): Promise<{ id: string; username: string }> {
  const parsed = FirstAdminInput.safeParse(raw);
  if (!parsed.success) throw new TesseraError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
  const input = parsed.data;
  const passwordHash = await hashNewPassword(
    input.password,
    'Password refused: ',
    () => {
      if (ctx.store.operators.count() > 0) throw firstAdminExists();
    },
    { username: input.username },
  );
  return ctx.store.tx(() => {
    if (ctx.store.operators.count() > 0) throw firstAdminExists();
    const id = insertOperator(ctx, { username: input.username, displayName: input.displayName, role: 'admin', passwordHash }, actor, { firstAdmin: true });
    return { id, username: input.username };
  });
}

function firstAdminExists(): TesseraError {
  return new TesseraError('conflict', 'An operator already exists; add more operators from the console');
}

/**
 * Adds an operator with a starting password; they enroll their own TOTP at
 * first sign-in and then must replace the password (the admin knows it), within
 * TEMPORARY_PASSWORD_MS.
 */
export async function createOperator(ctx: ServiceContext, input: CreateOperatorInput, actor: Actor): Promise<OperatorView> {
  const key = usernameKey(input.username);
  const nameProblem = (): TesseraError | null => {
    if (ctx.store.operators.findByKey(key)) return new TesseraError('conflict', `An operator named "${input.username}" already exists`);
    return newOperatorNameProblem(ctx, input.username);
  };
  const passwordHash = await hashNewPassword(
    input.password,
    '',
    () => {
      const problem = nameProblem();
      if (problem) throw problem;
    },
    { username: input.username },
  );
  return ctx.store.tx(() => {
    const lateProblem = nameProblem();
    if (lateProblem) throw lateProblem;
    const id = insertOperator(ctx, { username: input.username, displayName: input.displayName, role: input.role, passwordHash, temporary: true }, actor, {
      mustChangePassword: true,
    });
    return toOperatorView(ctx.store.operators.findById(id)!);
  });
}

/**
 * Refuses a weak password (a 400 naming each problem, `prefix` before them),
 * then runs `precheck` (cheap refusals, so they cost no hash), then hashes
 * in the password lane — before any transaction: scrypt is slow.
 */
export async function hashNewPassword(
  password: string,
  prefix: string,
  precheck: () => void,
  opts: { username?: string; field?: string } = {},
): Promise<string> {
  requireGoodPassword(password, prefix, opts);
  precheck();
  return passwordLane.run((derive) => hashPassword(password, undefined, derive));
}

/** The shared rules (shared/passwordRules.ts) for a new password: a 400 naming each problem on `field` (default 'password'). */
export function requireGoodPassword(password: string, prefix: string, opts: { username?: string; field?: string } = {}): void {
  const problems = passwordProblems(password, { username: opts.username });
  if (problems.length > 0) {
    const path = opts.field ?? 'password';
    throw new TesseraError('bad_request', `${prefix}${problems.join(' ')}`, { fields: problems.map((message) => ({ path, message })) });
  }
}

/** Inserts a pending operator and its 'operator.create' entry (inside the caller's transaction); returns the id. */
export function insertOperator(
  ctx: ServiceContext,
  op: { username: string; displayName: string | undefined; role: OperatorRow['role']; passwordHash: string; temporary?: boolean },
  actor: Actor,
  extraDetails: Record<string, unknown>,
  createdAt = ctx.clock(),
): string {
  const id = randomUUID();
  const key = usernameKey(op.username);
  ctx.store.operators.insert({
    id,
    username: op.username,
    username_key: key,
    display_name: op.displayName ?? null,
    role: op.role,
    password_hash: op.passwordHash,
    status: 'pending',
    created_at: createdAt,
    password_changed_at: createdAt,
    // A password someone else chose: its owner replaces it at first sign-in, before it runs out.
    ...(op.temporary ? { password_must_change: 1 as const, password_expires_at: createdAt + TEMPORARY_PASSWORD_MS } : {}),
  });
  // The name's sign-in throttle starts afresh with the operator; failures against it as an unknown name go.
  ctx.store.loginPhantoms.delete(key);
  ctx.audit.append({
    actor,
    action: 'operator.create',
    outcome: 'success',
    details: { operatorId: id, operator: op.username, role: op.role, ...extraDetails },
  });
  return id;
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
    if (input.role !== undefined && input.role !== op.role) {
      fields.role = input.role;
      changed.role = { from: op.role, to: input.role };
    }
    if (input.status !== undefined && input.status !== op.status && !(input.status === 'active' && op.status === 'pending')) {
      fields.status = input.status === 'active' && !op.totp_sealed ? 'pending' : input.status;
      changed.status = { from: op.status, to: fields.status };
    }
    if (input.displayName !== undefined && input.displayName !== op.display_name) {
      fields.display_name = input.displayName;
      changed.displayName = { from: op.display_name, to: input.displayName };
    }
    if (input.resetSecondFactor) {
      Object.assign(fields, { totp_sealed: null, totp_key_version: null, totp_last_step: 0, status: op.status === 'disabled' ? 'disabled' : 'pending' });
      changed.secondFactor = { from: 'enrolled', to: 'reset' };
    }
    if (Object.keys(changed).length === 0) return toOperatorView(op);
    const losesAdmin =
      op.role === 'admin' && op.status === 'active' && ((fields.role && fields.role !== 'admin') || (fields.status && fields.status !== 'active'));
    if (losesAdmin && activeAdmins(ctx).length <= 1) {
      throw new TesseraError('conflict', 'This is the last active administrator; add another administrator first');
    }
    ctx.store.operators.update(op.id, fields);
    // A lost second factor may be a lost key: resetting removes the operator's security keys too.
    const keysRemoved = input.resetSecondFactor ? ctx.store.webauthn.deleteAllForOperator(op.id) : 0;
    if (keysRemoved > 0) changed.securityKeys = { from: keysRemoved, to: 0 };
    const ended = fields.status !== undefined && fields.status !== 'active' ? ctx.store.sessions.deleteForOperator(op.id) : 0;
    ctx.audit.append({
      actor,
      action: 'operator.update',
      outcome: 'success',
      details: { operatorId: op.id, operator: op.username, changed, sessionsEnded: ended },
    });
    return toOperatorView(ctx.store.operators.findById(op.id)!);
  });
}
