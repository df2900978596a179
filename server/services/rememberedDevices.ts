import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import type { RememberedDeviceView } from '../../shared/schemas/rememberedDevices';
import type { VerifyInput } from '../../shared/schemas/verify';
import type { UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { requireUser } from './users';
import { iso } from './wireViews';

/**
 * Remembered devices (mfa2's TrustedDevice, allauth's MFA_TRUST_ENABLED): after
 * a right code an application may ask Tessera to remember the device; the
 * answer carries a token (256 random bits, shown once, kept only as its
 * SHA-256) that later stands in for a code, for that user and that API key
 * only, until it expires or is revoked. Off by default.
 */

const TOKEN_PREFIX = 'tdt_';

function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Refuses a verify asking to remember a device while the setting is off, or from anything but an application. Before any code is checked. */
export function requireRememberAllowed(ctx: ServiceContext, input: VerifyInput, actor: Actor): void {
  if (input.remember === undefined && input.deviceToken === undefined) return;
  if (!ctx.settings.get().rememberDevices) {
    throw new TesseraError('method_disabled', 'Remembered devices are turned off in this Tessera’s settings');
  }
  if (actor.kind !== 'apikey') throw new TesseraError('bad_request', 'Only applications (API keys) remember devices');
  const max = ctx.settings.get().rememberDeviceMaxDays;
  if (input.remember?.days !== undefined && input.remember.days > max) {
    const message = `A device may be remembered for at most ${max} days (Settings)`;
    throw new TesseraError('bad_request', message, { fields: [{ path: 'remember.days', message }] });
  }
}

/** Makes a device token for `user` after a right code. Inside the caller's transaction, with its audit entry. */
export function rememberDevice(
  ctx: ServiceContext,
  user: UserRow,
  remember: NonNullable<VerifyInput['remember']>,
  userAgent: string | undefined,
  actor: Actor,
  now: number,
): { deviceToken: string; deviceId: string; deviceExpiresAt: string } {
  if (actor.kind !== 'apikey' || actor.id === null) throw new TesseraError('internal', 'rememberDevice needs an API key');
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = randomUUID();
  const days = remember.days ?? ctx.settings.get().rememberDeviceMaxDays;
  const expiresAt = now + days * 86_400_000;
  ctx.store.rememberedDevices.insert({
    id,
    user_id: user.id,
    api_key_id: actor.id,
    token_hash: tokenHash(token),
    label: remember.label,
    user_agent: userAgent ?? null,
    created_at: now,
    expires_at: expiresAt,
  });
  ctx.audit.append({ actor, action: 'device.remember', user: user.username, outcome: 'success', details: { deviceId: id, label: remember.label, days } });
  return { deviceToken: token, deviceId: id, deviceExpiresAt: iso(expiresAt)! };
}

/**
 * The remembered device a token names, when it is live and belongs to this
 * user and this API key; null otherwise (the caller audits and refuses).
 * Moves its last use on. Inside the caller's transaction.
 */
export function useRememberedDevice(ctx: ServiceContext, user: UserRow, token: string, actor: Actor, now: number): { id: string } | null {
  const row = ctx.store.rememberedDevices.findByHash(tokenHash(token));
  if (!row || row.user_id !== user.id || row.expires_at <= now) return null;
  if (actor.kind !== 'apikey' || row.api_key_id !== actor.id) return null;
  ctx.store.rememberedDevices.markUsed(row.id, now);
  return { id: row.id };
}

export function rememberedDevicesOf(ctx: ServiceContext, userId: string): RememberedDeviceView[] {
  const now = ctx.clock();
  return ctx.store.rememberedDevices
    .forUser(userId)
    .filter((d) => d.expires_at > now)
    .map((d) => ({
      id: d.id,
      label: d.label,
      application: ctx.store.apiKeys.findById(d.api_key_id)?.name ?? 'a removed API client',
      userAgent: d.user_agent,
      createdAt: iso(d.created_at)!,
      lastUsedAt: iso(d.last_used_at),
      expiresAt: iso(d.expires_at)!,
    }));
}

/** Helpdesk: forget one remembered device (a lost laptop), with the reason. */
export function revokeRememberedDevice(ctx: ServiceContext, username: string, deviceId: string, reason: string, actor: Actor): void {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    if (!ctx.store.rememberedDevices.delete(user.id, deviceId)) throw new TesseraError('not_found', 'This user has no remembered device with that id');
    ctx.audit.append({ actor, action: 'device.revoke', user: user.username, outcome: 'success', reason, details: { deviceId } });
  });
}

/** Helpdesk: forget all of a user's remembered devices. Returns how many. */
export function revokeAllRememberedDevices(ctx: ServiceContext, username: string, reason: string, actor: Actor): number {
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const n = ctx.store.rememberedDevices.deleteAllForUser(user.id);
    ctx.audit.append({ actor, action: 'device.revoke', user: user.username, outcome: 'success', reason, details: { all: true, revoked: n } });
    return n;
  });
}

/** Removes expired devices (the sweep). */
export function sweepExpiredDevices(ctx: ServiceContext): number {
  return ctx.store.tx(() => ctx.store.rememberedDevices.deleteExpired(ctx.clock()));
}
