import { randomUUID } from 'node:crypto';
import { searchLane } from './turnLane';
import { TesseraError } from '../../shared/errors';
import { mixedScriptMessage } from '../../shared/schemas/scripts';
import { usernameKey } from '../../shared/schemas/text';
import { temporaryCodeView } from './temporaryCodes';
import type { CreateUserInput, ListUsersInput, SortOrder, UpdateUserInput, UserDetail, UserPage, UserSort, UserSummary } from '../../shared/schemas/users';
import type { UserRow } from '../store/index';
import { parsePosition, type UsersRepo } from '../store/repos/users';
import type { Actor, ServiceContext } from './context';
import { decodeCursor, encodeCursor } from './cursor';
import { factorViewsOf } from './factorViews';
import { iso, toThrottleView, toUserListItem, toUserSummary } from './wireViews';
import { rememberedDevicesOf } from './rememberedDevices';

export function requireUser(ctx: ServiceContext, username: string): UserRow {
  const user = ctx.store.users.findByKey(usernameKey(username));
  if (!user) throw new TesseraError('not_found', 'No user with that username');
  return user;
}

/**
 * Why a name that no user has yet cannot be given to a new one, or null:
 * it looks like an existing user's (the same UTS #39 skeleton: conflict, naming
 * them), or it mixes scripts ("аlice" with a Cyrillic "а": bad_request).
 * Every way of creating users asks this (createUser, the CSV import).
 */
export function newUsernameProblem(ctx: ServiceContext, username: string): TesseraError | null {
  return usernameProblemAmong(ctx.store.users, username);
}

/** newUsernameProblem over any view of the users (the import preview's worker has its own read-only connection). */
export function usernameProblemAmong(users: Pick<UsersRepo, 'findLookAlike'>, username: string): TesseraError | null {
  const alike = users.findLookAlike(username);
  if (alike) {
    return new TesseraError(
      'conflict',
      `Username "${username}" looks like the existing user "${alike.username}"; choose a name that cannot be mistaken for it`,
    );
  }
  const mixed = mixedScriptMessage('Username', username);
  return mixed ? new TesseraError('bad_request', mixed, { fields: [{ path: 'username', message: mixed }] }) : null;
}

export function createUser(ctx: ServiceContext, input: CreateUserInput, actor: Actor): UserSummary {
  const key = usernameKey(input.username);
  const now = ctx.clock();
  return ctx.store.tx(() => {
    if (ctx.store.users.findByKey(key)) throw new TesseraError('conflict', `A user named "${input.username}" already exists`);
    const problem = newUsernameProblem(ctx, input.username);
    if (problem) throw problem;
    const row = insertUserRow(ctx, input, key, now, actor);
    return toUserSummary(
      {
        ...row,
        failures: 0,
        last_failure_at: null,
        locked_until: null,
        last_factor_id: null,
        last_factor_type: null,
        last_verified_at: null,
        directory_dn: null,
        directory_synced_at: null,
        disabled_at: null,
        disabled_reason: null,
      },
      false,
      now,
      ctx.settings.throttle(),
    );
  });
}

/**
 * Inside the caller's transaction, after its checks: the new user's row and
 * its 'user.create' audit entry (createUser, and each row of an import with
 * details { import: true }).
 */
export function insertUserRow(ctx: ServiceContext, input: CreateUserInput, key: string, now: number, actor: Actor, details?: Record<string, unknown>) {
  const row = {
    id: randomUUID(),
    username: input.username,
    username_key: key,
    display_name: input.displayName ?? null,
    email: input.email ?? null,
    phone: input.phone ?? null,
    created_at: now,
  };
  ctx.store.users.insert(row);
  ctx.audit.append({ actor, action: 'user.create', user: row.username, outcome: 'success', ...(details ? { details } : {}) });
  return row;
}

/**
 * A page of the users list: a search (accents and case folded), filters
 * (without a factor, locked or throttled now), in one of four orders with
 * keyset cursors. A cursor names its sort, so one from another order is
 * refused rather than read wrongly.
 */
export function listUsers(ctx: ServiceContext, input: ListUsersInput): UserPage {
  const now = ctx.clock();
  const throttle = ctx.settings.throttle();
  const sort = input.sort ?? 'username';
  const order = input.order ?? 'asc';
  const page = ctx.store.users.list({
    query: input.query.normalize('NFKC').trim(),
    limit: input.limit,
    after: decodeListCursor(input.cursor, sort, order),
    withoutFactor: input.withoutFactor ?? false,
    locked: input.locked ? { now, freeAttempts: throttle.freeAttempts } : null,
    sort,
    order,
  });
  // A page may be short and still have a next cursor: its search stopped at its bound (see UsersRepo.list).
  return {
    items: page.rows.map((row) => toUserListItem(row, now, throttle)),
    nextCursor: page.next === null ? null : encodeCursor(`${sort}.${order}:${page.next}`),
  };
}

/** listUsers, taking its turn with the rest of the event loop's work (see TurnLane): what requests call. */
export function listUsersInTurn(ctx: ServiceContext, input: ListUsersInput): Promise<UserPage> {
  return searchLane.run(() => listUsers(ctx, input));
}

function decodeListCursor(cursor: string | undefined, sort: UserSort, order: SortOrder): string | null {
  const text = decodeCursor(cursor);
  if (text === null) return null;
  const colon = text.indexOf(':');
  const position = text.slice(colon + 1);
  if (colon < 0 || parsePosition(position) === null) throw new TesseraError('bad_request', 'The cursor is not one this server issued');
  const sortName = `${sort}.${order}`;
  if (text.slice(0, colon) !== sortName) throw new TesseraError('bad_request', 'The cursor belongs to another sort order: start again from the first page');
  // Its value must be of the sort's kind (a number for created/lastSignIn): a forged one would reach SQL.
  if (parsePosition(position, sort) === null) throw new TesseraError('bad_request', 'The cursor is not one this server issued');
  return position;
}

export function getUser(ctx: ServiceContext, username: string): UserDetail {
  const user = requireUser(ctx, username);
  const factors = ctx.store.factors.listByUser(user.id);
  return {
    ...toUserSummary(
      user,
      factors.some((f) => f.status === 'active'),
      ctx.clock(),
      ctx.settings.throttle(),
    ),
    factors: factorViewsOf(ctx, user.id, factors),
    recoveryCodes: ctx.store.recoveryCodes.counts(user.id),
    throttle: toThrottleView(user, ctx.clock(), ctx.settings.throttle()),
    temporaryCode: temporaryCodeView(ctx, user.id),
    lastUsed:
      user.last_factor_id !== null && user.last_factor_type !== null && user.last_verified_at !== null
        ? { factorId: user.last_factor_id, type: user.last_factor_type, at: iso(user.last_verified_at)! }
        : null,
    rememberedDevices: rememberedDevicesOf(ctx, user.id),
    disabledAt: iso(user.disabled_at),
    disabledReason: user.disabled_reason,
    directory:
      user.directory_dn === null ? null : { dn: user.directory_dn, syncedAt: iso(user.directory_synced_at), groups: ctx.store.directory.groupsOf(user.id) },
  };
}

/**
 * Changes a user's display name, email or phone. A changed address or
 * number does not move their email/SMS factors: each keeps the destination
 * it was confirmed with, so nobody redirects codes by editing a field.
 */
export function updateUser(ctx: ServiceContext, username: string, input: UpdateUserInput, actor: Actor): UserDetail {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    requireLocalFields(user, input);
    const next = {
      id: user.id,
      username: user.username,
      display_name: input.displayName === undefined ? user.display_name : input.displayName,
      email: input.email === undefined ? user.email : input.email,
      phone: input.phone === undefined ? user.phone : input.phone,
    };
    const changed: string[] = [];
    if (next.display_name !== user.display_name) changed.push('displayName');
    if (next.email !== user.email) changed.push('email');
    if (next.phone !== user.phone) changed.push('phone');
    if (changed.length === 0) return;
    ctx.store.users.setContact(next);
    // Names of the changed fields only: addresses and numbers stay out of the log.
    ctx.audit.append({ actor, action: 'user.update', user: user.username, outcome: 'success', details: { changed } });
  });
  return getUser(ctx, username);
}

/** The directory owns a directory user's display name, email and phone: a change here would be undone by the next sync. */
function requireLocalFields(user: UserRow, input: UpdateUserInput): void {
  if (user.directory_dn === null) return;
  const fields = (['displayName', 'email', 'phone'] as const).filter((f) => input[f] !== undefined);
  if (fields.length === 0) return;
  throw new TesseraError(
    'directory_managed',
    `"${user.username}" comes from the directory: their display name, email and phone are the directory's; change them there (the next sync brings them here)`,
    { fields: fields.map((path) => ({ path, message: 'Read-only: this user comes from the directory' })) },
  );
}

export function deleteUser(ctx: ServiceContext, username: string, reason: string, actor: Actor): void {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const factors = ctx.store.factors.listByUser(user.id).length;
    ctx.store.users.delete(user.id);
    // A look-alike kept from before skeletons were stored takes over the freed skeleton.
    ctx.store.users.fillSkeletons();
    ctx.audit.append({ actor, action: 'user.delete', user: user.username, outcome: 'success', reason, details: { factorsRemoved: factors } });
  });
}

export function unlockUser(ctx: ServiceContext, username: string, reason: string, actor: Actor): UserDetail {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    ctx.store.users.setThrottle(user.id, { failures: 0, last_failure_at: null, locked_until: null });
    ctx.audit.append({
      actor,
      action: 'user.unlock',
      user: user.username,
      outcome: 'success',
      reason,
      details: { failuresCleared: user.failures, wasLocked: user.locked_until !== null && user.locked_until > ctx.clock() },
    });
  });
  return getUser(ctx, username);
}
