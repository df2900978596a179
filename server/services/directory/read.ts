import type { Client } from 'ldapts';
import { DisplayName, Email, Username, usernameKey } from '../../../shared/schemas/text';
import { parsePhone } from '../../../shared/schemas/phone';
import type { AttributeMap, DirectoryConfig, DisabledRule } from '../../../shared/schemas/directory';
import type { DirectoryConnection } from './config';
import { allValues, describeLdapError, DirectoryError, firstValue, groupNameOf, normalizeDn, serviceClient, whereOf } from './ldap';

/** One directory user, as the attribute map reads them (fields Tessera would refuse are read as empty). */
export interface DirectoryPerson {
  dn: string;
  username: string;
  displayName: string | null;
  email: string | null;
  /** E.164. */
  phone: string | null;
  disabled: boolean;
  /** Group names, sorted; null when the map reads no groups. */
  groups: string[] | null;
  /** The same groups' DNs, normalised (normalizeDn): the role mapping can name one group exactly. */
  groupDns: string[] | null;
}

export interface DirectoryRead {
  /** Entries the user filter found. */
  entries: number;
  people: DirectoryPerson[];
  skipped: { dn: string; reason: string }[];
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Entries read so far, after each page. */
  onProgress?: (entries: number) => void;
}

function requestedAttributes(map: AttributeMap): string[] {
  const attrs = [map.username, map.displayName, map.email, map.phone];
  if (map.disabled.kind !== 'none') attrs.push(map.disabled.attribute);
  if (map.groups.kind === 'memberOf') attrs.push(map.groups.attribute);
  return [...new Set(attrs.filter((a): a is string => a !== null))];
}

export function isDisabled(rule: DisabledRule, entry: Record<string, unknown>): boolean {
  switch (rule.kind) {
    case 'none':
      return false;
    case 'present':
      return allValues(entry, rule.attribute).length > 0;
    case 'equals':
      return allValues(entry, rule.attribute).some((v) => v.trim().toLowerCase() === rule.value.toLowerCase());
    case 'bitmask': {
      const v = firstValue(entry, rule.attribute);
      if (v === null || !/^-?\d+$/.test(v.trim())) return false;
      // userAccountControl is a 32-bit flag set; & works on it as a signed 32-bit number.
      return (Number(v.trim()) & rule.mask) !== 0;
    }
  }
}

/** The field, or null when Tessera would not take it (a bad address, a number no phone has): the user is still synced. */
function clean<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: string | null): T | null {
  if (v === null) return null;
  const r = schema.safeParse(v);
  return r.success ? r.data : null;
}

/** Paged search (RFC 2696) under `base`; every page goes to `onPage`. A failure anywhere fails the whole read. */
async function pagedSearch(
  client: Client,
  config: DirectoryConfig,
  base: string,
  filter: string,
  attributes: string[],
  onPage: (entries: Record<string, unknown>[]) => void,
  signal?: AbortSignal,
): Promise<void> {
  try {
    for await (const page of client.searchPaginated(base, { scope: 'sub', filter, attributes, paged: { pageSize: config.pageSize }, sizeLimit: 0 })) {
      signal?.throwIfAborted();
      onPage(page.searchEntries as Record<string, unknown>[]);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw describeLdapError(err, 'search', whereOf(config));
  }
}

/**
 * Reads every user the filter finds (paged), with their groups (from the
 * memberOf attribute, or a second paged search for groups that list them).
 * Throws a DirectoryError on any failure: a partial answer is never used.
 */
export async function readDirectory(conn: DirectoryConnection, opts: ReadOptions = {}): Promise<DirectoryRead> {
  const { config } = conn;
  const map = config.attributes;
  const client = await serviceClient(conn);
  try {
    const raw: Record<string, unknown>[] = [];
    await pagedSearch(
      client,
      config,
      config.baseDn,
      config.userFilter,
      requestedAttributes(map),
      (entries) => {
        for (const e of entries) raw.push(e);
        opts.onProgress?.(raw.length);
      },
      opts.signal,
    );
    // Member DN (normalised) → the DNs of the groups that list it.
    let groupsByDn: Map<string, string[]> | null = null;
    if (map.groups.kind === 'groupSearch') {
      const source = map.groups;
      const found = new Map<string, string[]>();
      await pagedSearch(
        client,
        config,
        source.baseDn ?? config.baseDn,
        source.filter,
        [source.memberAttribute],
        (groups) => {
          for (const g of groups) {
            const groupDn = String(g.dn);
            for (const member of allValues(g, source.memberAttribute)) {
              const key = normalizeDn(member);
              const list = found.get(key);
              if (list) list.push(groupDn);
              else found.set(key, [groupDn]);
            }
          }
        },
        opts.signal,
      );
      groupsByDn = found;
    }
    return toPeople(raw, map, groupsByDn);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function toPeople(raw: Record<string, unknown>[], map: AttributeMap, groupsByDn: Map<string, string[]> | null): DirectoryRead {
  const people: DirectoryPerson[] = [];
  const skipped: DirectoryRead['skipped'] = [];
  const seen = new Set<string>();
  for (const e of raw) {
    const dn = String(e.dn);
    const name = firstValue(e, map.username);
    if (name === null) {
      skipped.push({ dn, reason: `no ${map.username} attribute` });
      continue;
    }
    const username = Username.safeParse(name);
    if (!username.success) {
      skipped.push({ dn, reason: `${map.username} "${name.slice(0, 64)}": ${username.error.issues[0]?.message ?? 'not a username Tessera takes'}` });
      continue;
    }
    const key = usernameKey(username.data);
    if (seen.has(key)) {
      skipped.push({ dn, reason: `${map.username} "${username.data}" is also another entry's (the first one is used)` });
      continue;
    }
    seen.add(key);
    const phoneText = firstValue(e, map.phone);
    const phone = phoneText === null ? null : parsePhone(phoneText);
    let groupDns: string[] | null = null;
    if (map.groups.kind === 'memberOf') groupDns = allValues(e, map.groups.attribute);
    else if (groupsByDn) groupDns = groupsByDn.get(normalizeDn(dn)) ?? [];
    const groups = groupDns === null ? null : groupDns.map(groupNameOf);
    people.push({
      dn,
      username: username.data,
      displayName: clean(DisplayName, firstValue(e, map.displayName)),
      email: clean(Email, firstValue(e, map.email)),
      phone: phone?.ok ? phone.e164 : null,
      disabled: isDisabled(map.disabled, e),
      groups: groups === null ? null : [...new Set(groups)].sort((a, b) => a.localeCompare(b)),
      groupDns: groupDns === null ? null : [...new Set(groupDns.map(normalizeDn))].sort(),
    });
  }
  return { entries: raw.length, people, skipped };
}

/** Refuses an answer that would mean "everyone left": an empty search, or one where no entry has a username. */
export function requireSomeone(read: DirectoryRead, config: DirectoryConfig): void {
  if (read.entries === 0) {
    throw new DirectoryError(
      'search',
      `The directory search found no users (base DN "${config.baseDn}", filter ${config.userFilter}): nothing was changed — an empty answer is never taken to mean everyone left; check the base DN, the filter and the service account's rights`,
    );
  }
  if (read.people.length === 0) {
    throw new DirectoryError(
      'search',
      `The directory search found ${read.entries} entries but none has a usable ${config.attributes.username} attribute: nothing was changed; check the attribute map`,
    );
  }
}
