import { TesseraError } from '../../shared/errors';
import type { DeliveryChannel } from '../../shared/schemas/delivery';
import type { ServiceContext } from './context';

/**
 * How often Tessera sends codes: per user (settings.sendLimitPerUser per
 * window, and resendSeconds between two sends) so nobody's inbox or phone is
 * flooded, and per API key (sendLimitPerApiKey per window) so a stolen key
 * cannot run up an SMS bill across every user. Counted in the database, so
 * the limits hold across restarts.
 */

/** Refuses with 'throttled' and a Retry-After when a send now would go over a limit. Inside the caller's transaction. */
export function requireSendAllowed(ctx: ServiceContext, userId: string, apiKeyId: string | null, now: number): void {
  const s = ctx.settings.get();
  const windowMs = s.sendLimitWindowMinutes * 60_000;
  const since = now - windowMs;
  const user = ctx.store.codeSends.forUser(userId, since);
  if (user.latestAt !== null && now - user.latestAt < s.resendSeconds * 1000) {
    const wait = Math.ceil((user.latestAt + s.resendSeconds * 1000 - now) / 1000);
    throw new TesseraError('throttled', `A code was sent to this user moments ago; wait ${wait} s before asking for another`, { retryAfterSeconds: wait });
  }
  if (user.count >= s.sendLimitPerUser) {
    const wait = Math.ceil((user.oldestAt! + windowMs - now) / 1000);
    throw new TesseraError(
      'throttled',
      `This user has been sent ${user.count} codes in the last ${s.sendLimitWindowMinutes} minutes, the most allowed; try again in ${wait} s`,
      { retryAfterSeconds: wait },
    );
  }
  if (apiKeyId !== null) {
    const key = ctx.store.codeSends.forApiKey(apiKeyId, since);
    if (key.count >= s.sendLimitPerApiKey) {
      const wait = Math.ceil((key.oldestAt! + windowMs - now) / 1000);
      throw new TesseraError(
        'throttled',
        `This API key has had ${key.count} codes sent in the last ${s.sendLimitWindowMinutes} minutes, the most allowed (Settings → Methods); try again in ${wait} s`,
        { retryAfterSeconds: wait },
      );
    }
  }
}

/** Counts a send (made or failed: a failing transport is not hammered). Inside the caller's transaction. */
export function recordSend(ctx: ServiceContext, userId: string, apiKeyId: string | null, channel: DeliveryChannel, now: number): void {
  // Rows older than the longest window a setting allows (24 h) are never counted again.
  ctx.store.codeSends.prune(now - 24 * 3_600_000);
  ctx.store.codeSends.record({ user_id: userId, api_key_id: apiKeyId, channel, at: now });
}
