import { DirectoryGroupsInput, type DirectoryGroupView } from '../../../shared/schemas/directory';
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

/**
 * The directory's groups as the last sync stored them, whose name contains
 * the query: each with its enabled members and how many of them have no
 * active factor — the number a group rollout plans sheets for (before its
 * own skips: a sheet not scanned yet, TOTP turned off).
 */
export function directoryGroups(ctx: ServiceContext, raw: DirectoryGroupsInput = {}): DirectoryGroupView[] {
  const input = DirectoryGroupsInput.parse(raw);
  return ctx.store.directory.groups(input.query, input.limit).map((g) => ({ name: g.name, members: g.members, withoutFactor: g.without_factor }));
}

/** Username keys of the group's enabled users without an active factor, a page at a time, in username order. */
export function* groupMembersWithoutFactor(ctx: ServiceContext, group: string, pageSize: number): Generator<string[]> {
  let after = '';
  for (;;) {
    const page = ctx.store.directory.usersInGroupWithoutFactorPage(group.trim(), after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!;
  }
}
