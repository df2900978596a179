import { z } from 'zod';
import { isLoopbackHost } from './delivery';
import { OperatorRole } from './operators';

/**
 * Users from a directory (LDAP, Active Directory): the connection, the
 * attribute map, the sync rules, and what a test, a dry run and a sync
 * answer. The bind password is write-only, like the SMTP password: an input
 * may set or clear it, a view only says whether one is stored.
 */

/** ldaps: TLS from the first byte (ldaps://, port 636); starttls: ldap:// upgraded, refused if the server will not; none: loopback only. */
export const DirectoryTls = z.enum(['ldaps', 'starttls', 'none']);
export type DirectoryTls = z.infer<typeof DirectoryTls>;

const URL_PATTERN = /^(ldaps?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/;

/** The parts of an ldap:// or ldaps:// URL (scheme, host, port), or null when it is not one. */
export function parseLdapUrl(url: string): { scheme: 'ldap' | 'ldaps'; host: string; port: number } | null {
  const m = URL_PATTERN.exec(url.trim());
  if (!m) return null;
  const port = m[3] === undefined ? (m[1] === 'ldaps' ? 636 : 389) : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { scheme: m[1] as 'ldap' | 'ldaps', host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

const LdapUrl = z
  .string({ error: 'URL is required' })
  .trim()
  .max(512, 'URL is too long')
  .refine((u) => parseLdapUrl(u) !== null, 'URL must be ldap://host[:port] or ldaps://host[:port], with nothing after the port');

/** A distinguished name as typed (the server checks its syntax): one line, not empty. */
const Dn = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} must not be empty`)
    .max(1024, `${label} is too long`)
    .refine((v) => !/[\r\n\u0000]/.test(v), `${label} must be one line`)
    .refine((v) => v.includes('='), `${label} must be a DN such as dc=example,dc=org`);

/** An LDAP search filter: in parentheses, balanced (the server checks the rest, and a test says what it said). */
const Filter = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(3, `${label} must not be empty`)
    .max(2048, `${label} is too long`)
    .refine((f) => f.startsWith('(') && f.endsWith(')') && balanced(f), `${label} must be an LDAP filter in parentheses, e.g. (objectClass=person)`);

function balanced(f: string): boolean {
  let depth = 0;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '\\') i++;
    else if (f[i] === '(') depth++;
    else if (f[i] === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** An attribute name (or OID) as LDAP spells them. */
const Attr = z
  .string({ error: 'Attribute name is required' })
  .trim()
  .regex(/^([A-Za-z][A-Za-z0-9-]{0,127}|\d+(\.\d+)+)$/, 'An attribute name is letters, digits and dashes (e.g. sAMAccountName)');

/** A PEM certificate (or several: a chain), as pasted. */
const CaPem = z
  .string()
  .trim()
  .max(64 * 1024, 'The CA certificate is too long')
  .refine(
    (p) => /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(p),
    'Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE----- …)',
  );

/**
 * When a directory entry counts as disabled: never (none), when a bit of a
 * number is set (bitmask: AD's userAccountControl, bit 0x2 ACCOUNTDISABLE),
 * when an attribute has a value (equals, case-insensitive: employeeType =
 * disabled, nsAccountLock = true) or is present at all (pwdAccountLockedTime).
 */
export const DisabledRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('bitmask'), attribute: Attr, mask: z.number().int().min(1).max(0x7fffffff) }).strict(),
  z.object({ kind: z.literal('equals'), attribute: Attr, value: z.string().trim().min(1, 'Value must not be empty').max(256) }).strict(),
  z.object({ kind: z.literal('present'), attribute: Attr }).strict(),
]);
export type DisabledRule = z.infer<typeof DisabledRule>;

/**
 * Where a user's groups come from: none; an attribute of the user holding
 * group DNs (memberOf: AD, or OpenLDAP with the memberof overlay); or a
 * second search for groups that list the user's DN (groupOfNames member).
 * A group is known by its name: the first value of its DN (cn=VPN-Users,… → VPN-Users).
 */
export const GroupSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('memberOf'), attribute: Attr.default('memberOf') }).strict(),
  z
    .object({
      kind: z.literal('groupSearch'),
      /** Where the groups are; null: under the base DN. */
      baseDn: Dn('Group base DN').nullable().default(null),
      filter: Filter('Group filter').default('(objectClass=groupOfNames)'),
      memberAttribute: Attr.default('member'),
    })
    .strict(),
]);
export type GroupSource = z.infer<typeof GroupSource>;

export const AttributePreset = z.enum(['activeDirectory', 'openldap', 'custom']);
export type AttributePreset = z.infer<typeof AttributePreset>;

/** Which directory attribute fills which user field; null: the field is not read (and stays the directory's: empty). */
export const AttributeMap = z
  .object({
    preset: AttributePreset,
    username: Attr,
    displayName: Attr.nullable(),
    email: Attr.nullable(),
    phone: Attr.nullable(),
    disabled: DisabledRule,
    groups: GroupSource,
  })
  .strict();
export type AttributeMap = z.infer<typeof AttributeMap>;

export const ATTRIBUTE_PRESETS: Record<'activeDirectory' | 'openldap', AttributeMap> = {
  activeDirectory: {
    preset: 'activeDirectory',
    username: 'sAMAccountName',
    displayName: 'displayName',
    email: 'mail',
    phone: 'mobile',
    disabled: { kind: 'bitmask', attribute: 'userAccountControl', mask: 0x2 },
    groups: { kind: 'memberOf', attribute: 'memberOf' },
  },
  openldap: {
    preset: 'openldap',
    username: 'uid',
    displayName: 'cn',
    email: 'mail',
    phone: 'mobile',
    disabled: { kind: 'none' },
    groups: { kind: 'groupSearch', baseDn: null, filter: '(objectClass=groupOfNames)', memberAttribute: 'member' },
  },
};

/** The user filter each preset suggests. */
export const PRESET_USER_FILTERS: Record<'activeDirectory' | 'openldap', string> = {
  activeDirectory: '(&(objectCategory=person)(objectClass=user))',
  openldap: '(objectClass=inetOrgPerson)',
};

/** A map as given: the whole map, or only a preset's name (filled in from ATTRIBUTE_PRESETS). */
const AttributeMapInput = z.union([
  z
    .object({ preset: z.enum(['activeDirectory', 'openldap']) })
    .strict()
    .transform((p) => ATTRIBUTE_PRESETS[p.preset]),
  AttributeMap,
]);

/**
 * A directory group's operators get this console role (first matching line
 * wins). The group by name (VPN-Users: any group of that name) or by DN
 * (cn=VPN-Users,ou=groups,dc=example,dc=org: that group only).
 */
export const RoleMapping = z
  .object({
    group: z.string().trim().min(1, 'Group must not be empty').max(1024, 'Group is too long'),
    role: OperatorRole,
  })
  .strict();
export type RoleMapping = z.infer<typeof RoleMapping>;

const DirectoryFields = z.object({
  url: LdapUrl,
  tls: DirectoryTls,
  /** The CA (or chain) that signed the server's certificate; null: the system's CAs. */
  caCertificate: CaPem.nullable().default(null),
  /** The account Tessera binds as to search (a read-only service account). */
  bindDn: Dn('Bind DN'),
  /** Where users are searched (the whole subtree). */
  baseDn: Dn('Base DN'),
  userFilter: Filter('User filter'),
  attributes: AttributeMap,
  /** Entries per page of a paged search (RFC 2696): below the server's size limit (AD: 1000). */
  pageSize: z
    .number()
    .int('Page size must be a whole number')
    .min(10, 'Page size must be at least 10')
    .max(5000, 'Page size must be at most 5000')
    .default(500),
  timeoutMs: z.number().int().min(1000, 'Timeout must be at least 1 second').max(120_000, 'Timeout must be at most 120 seconds').default(15_000),
  /** Sync on a schedule every this many minutes; null: only on demand. */
  syncEveryMinutes: z
    .number()
    .int('Minutes must be a whole number')
    .min(5, 'Sync at most every 5 minutes')
    .max(7 * 24 * 60, 'Sync at least once a week')
    .nullable()
    .default(null),
  /** Days a user disabled by the directory keeps their factors (back from leave, a mistake undone) before they are removed. */
  graceDays: z.number().int('Days must be a whole number').min(0, 'Cannot be negative').max(3650, 'At most 10 years').default(30),
  /** A sync that would disable more than this share of the directory's users stops and asks for confirmation. */
  guardPercent: z.number().min(0, 'Cannot be negative').max(100, 'At most 100 %').default(10),
  /** Optional: operators whose username is a directory user's get a role from that user's groups. */
  roleMapping: z.array(RoleMapping).max(20, 'At most 20 mappings').default([]),
});

function tlsFitsUrl(c: { url: string; tls: DirectoryTls }): boolean {
  const u = parseLdapUrl(c.url);
  if (!u) return true; // the URL's own message says what is wrong
  return c.tls === 'ldaps' ? u.scheme === 'ldaps' : u.scheme === 'ldap';
}
function plainOnlyOnLoopback(c: { url: string; tls: DirectoryTls }): boolean {
  const u = parseLdapUrl(c.url);
  return c.tls !== 'none' || u === null || isLoopbackHost(u.host);
}
const TLS_URL_MESSAGE = { message: 'ldaps:// goes with TLS "ldaps"; ldap:// with "starttls" (or "none", this machine only)', path: ['tls'] };
const PLAIN_MESSAGE = { message: 'A directory connection without TLS is allowed only to this machine (127.0.0.1, ::1, localhost)', path: ['tls'] };

export const DirectoryConfig = DirectoryFields.refine(tlsFitsUrl, TLS_URL_MESSAGE).refine(plainOnlyOnLoopback, PLAIN_MESSAGE);
export type DirectoryConfig = z.infer<typeof DirectoryConfig>;

/** A write-only secret: a string sets it, null clears it, absent keeps the stored one. */
const BindPassword = z.string().min(1, 'Password must not be empty').max(1024, 'Password is too long').nullable().optional();

export const DirectoryConfigInput = DirectoryFields.extend({ attributes: AttributeMapInput, bindPassword: BindPassword })
  .strict()
  .refine(tlsFitsUrl, TLS_URL_MESSAGE)
  .refine(plainOnlyOnLoopback, PLAIN_MESSAGE);
export type DirectoryConfigInput = z.input<typeof DirectoryConfigInput>;
export type DirectoryConfigParsed = z.output<typeof DirectoryConfigInput>;

/** Counts of what a sync did (or a dry run would do). */
export const SyncCounts = z.object({
  add: z.number().int(),
  update: z.number().int(),
  disable: z.number().int(),
  reEnable: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.number().int(),
});
export type SyncCounts = z.infer<typeof SyncCounts>;

export const LastSyncView = z.object({
  at: z.string(),
  ok: z.boolean(),
  /** What it did, when it ran; null when it stopped before changing anything. */
  counts: SyncCounts.nullable(),
  /** Why it stopped, in words; null when it ran. */
  error: z.string().nullable(),
  /** 'schedule', or the operator / CLI account that started it. */
  by: z.string(),
});
export type LastSyncView = z.infer<typeof LastSyncView>;

export const DirectoryConfigView = DirectoryFields.extend({
  hasPassword: z.boolean(),
  updatedAt: z.string(),
  lastSync: LastSyncView.nullable(),
});
export type DirectoryConfigView = z.infer<typeof DirectoryConfigView>;

/** "Test connection": a directory input to try before saving it (its password absent: the stored one), or nothing: the stored settings. */
export const DirectoryTestInput = z.object({ config: DirectoryConfigInput.optional() }).strict();
export type DirectoryTestInput = z.input<typeof DirectoryTestInput>;

export const DirectoryTestStage = z.enum(['config', 'connect', 'tls', 'bind', 'search']);
export type DirectoryTestStage = z.infer<typeof DirectoryTestStage>;

/** What a connection test found: what the server said, and how many users the filter finds (paged, like a sync). */
export const DirectoryTestResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** In words: how it connected and bound. */
    server: z.string(),
    usersFound: z.number().int(),
    /** Up to 5 usernames the map reads, to check the username attribute. */
    sample: z.array(z.string()),
    elapsedMs: z.number().int(),
  }),
  z.object({
    ok: z.literal(false),
    /** Where it stopped. */
    stage: DirectoryTestStage,
    /** What went wrong, in words (the server's own text included). */
    error: z.string(),
    /** The LDAP result code, when the server answered with one (49: invalid credentials). */
    ldapCode: z.number().int().nullable(),
    elapsedMs: z.number().int(),
  }),
]);
export type DirectoryTestResult = z.infer<typeof DirectoryTestResult>;

/** A user field the directory owns. */
export const DirectoryField = z.enum(['displayName', 'email', 'phone', 'directoryDn', 'groups', 'source']);
export type DirectoryField = z.infer<typeof DirectoryField>;

export const DirectoryFieldChange = z.object({
  field: DirectoryField,
  /** Phone numbers masked; groups as a comma-separated list; source: "local" → "directory". */
  from: z.string().nullable(),
  to: z.string().nullable(),
});

/** Why a user is disabled: gone from the search, or disabled in the directory. */
export const DisableWhy = z.enum(['removed_from_directory', 'disabled_in_directory']);
export type DisableWhy = z.infer<typeof DisableWhy>;

/** The most entries of each list a plan shows (the counts are always whole). */
export const PLAN_LIST_LIMIT = 500;

/** A dry run: who would be added, updated (which fields), disabled and re-enabled. Nothing is changed. */
export const SyncPlanView = z.object({
  /** Entries the user filter found. */
  searched: z.number().int(),
  counts: SyncCounts,
  add: z.array(z.object({ username: z.string(), displayName: z.string().nullable(), email: z.string().nullable() })),
  update: z.array(z.object({ username: z.string(), changes: z.array(DirectoryFieldChange) })),
  disable: z.array(z.object({ username: z.string(), why: DisableWhy })),
  reEnable: z.array(z.object({ username: z.string() })),
  /** Entries left alone: no username, a username Tessera refuses, a duplicate, or disabled in the directory and not in Tessera. */
  skipped: z.array(z.object({ dn: z.string(), reason: z.string() })),
  /** Some list is longer than PLAN_LIST_LIMIT and was cut there. */
  truncated: z.boolean(),
  /** The mass-disable guard: users from the directory now enabled, how many would be disabled, and whether that is over the share. */
  guard: z.object({
    directoryUsers: z.number().int(),
    wouldDisable: z.number().int(),
    percent: z.number(),
    limitPercent: z.number(),
    exceeded: z.boolean(),
  }),
  /** Operator roles the group mapping would change. */
  roles: z.array(z.object({ operator: z.string(), from: OperatorRole, to: OperatorRole })),
  /** With a role mapping: operator accounts of people the sync disables (gone or disabled there) are disabled with them. */
  operatorsDisabled: z.array(z.object({ operator: z.string(), why: DisableWhy })),
});
export type SyncPlanView = z.infer<typeof SyncPlanView>;

/** Apply a sync; confirm: go on past the mass-disable guard (after reading the dry run). */
export const ApplySyncInput = z.object({ confirm: z.boolean().default(false) }).strict();
export type ApplySyncInput = z.input<typeof ApplySyncInput>;

/** What a sync did. */
export const SyncResult = z.object({
  counts: SyncCounts,
  rolesChanged: z.number().int(),
  /** Operator accounts disabled with their directory person (role mapping on). */
  operatorsDisabled: z.number().int(),
  cancelled: z.boolean(),
  /** Changes not made because of a cancel. */
  notAttempted: z.number().int(),
});
export type SyncResult = z.infer<typeof SyncResult>;

/** The directory's groups (as the last sync read them) whose name contains `query`, case-insensitive: a rollout's group picker. */
export const DirectoryGroupsInput = z
  .object({
    query: z.string().trim().max(256, 'A group name is at most 256 characters').default(''),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .strict();
export type DirectoryGroupsInput = z.input<typeof DirectoryGroupsInput>;

/** A group with its enabled members and how many of them have no active factor (who a group rollout is for). */
export const DirectoryGroupView = z.object({ name: z.string(), members: z.number().int(), withoutFactor: z.number().int() });
export type DirectoryGroupView = z.infer<typeof DirectoryGroupView>;

/** Users of a directory group who have no active factor (a rollout's "everyone in VPN-Users without a factor"). */
export const GroupRolloutInput = z
  .object({ group: z.string().trim().min(1, 'Group must not be empty').max(256), limit: z.number().int().min(1).max(5000).default(1000) })
  .strict();
export type GroupRolloutInput = z.input<typeof GroupRolloutInput>;
