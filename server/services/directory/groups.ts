import type { ServiceContext } from '../context';

/**
 * Users of a directory group (by name, case-insensitive) who are not
 * disabled and have no active factor: a rollout's "everyone in VPN-Users
 * without a factor gets a sheet". At most `limit`, in username order.
 */
export function usersInGroupWithoutFactor(
  ctx: ServiceContext,
  group: string,
  limit = 1000,
): { username: string; displayName: string | null; email: string | null }[] {
  return ctx.store.directory.usersInGroupWithoutFactor(group.trim(), limit).map((u) => ({ username: u.username, displayName: u.display_name, email: u.email }));
}
