import type { z } from 'zod';
import {
  ATTRIBUTE_PRESETS,
  AttributeMap,
  type AttributePreset,
  DirectoryConfigInput,
  type DirectoryConfigParsed,
  type DirectoryConfigView,
  type DirectoryTls,
  PRESET_USER_FILTERS,
} from '../../../../shared/schemas/directory';
import type { OperatorRole } from '../../../../shared/schemas/operators';
import type { Checked } from '../../lib/useCheckedSubmit';

/** The attribute map as typed: one string per input (empty: not read), the rules' kinds as chosen. */
export interface MapValues {
  username: string;
  displayName: string;
  email: string;
  phone: string;
  disabledKind: AttributeMap['disabled']['kind'];
  disabledAttribute: string;
  /** Decimal or 0x hex. */
  disabledMask: string;
  disabledValue: string;
  groupsKind: AttributeMap['groups']['kind'];
  /** memberOf: the user's attribute holding group DNs. */
  groupsAttribute: string;
  /** groupSearch: where the groups are (empty: under the base DN), which entries, and the attribute listing members. */
  groupBaseDn: string;
  groupFilter: string;
  memberAttribute: string;
}

/** One line of the operator role mapping as typed. */
export interface RoleLine {
  group: string;
  role: OperatorRole;
}

/** The connection form as typed: strings for the inputs, the attribute map as the preset (or the stored map) gave it. */
export interface DirectoryValues {
  url: string;
  tls: DirectoryTls;
  caCertificate: string;
  bindDn: string;
  /** Write-only: empty keeps the stored one. */
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  attributes: MapValues;
  /** Entries per page of the paged search. */
  pageSize: string;
  /** Operator roles from groups, first matching line wins; empty: roles are set by hand. */
  roleMapping: RoleLine[];
  /** Empty: only on demand. */
  syncEveryMinutes: string;
  graceDays: string;
  guardPercent: string;
}

export function directoryValues(view: DirectoryConfigView | null): DirectoryValues {
  if (!view) {
    return {
      url: '',
      tls: 'ldaps',
      caCertificate: '',
      bindDn: '',
      bindPassword: '',
      baseDn: '',
      userFilter: PRESET_USER_FILTERS.activeDirectory,
      attributes: mapValues(ATTRIBUTE_PRESETS.activeDirectory),
      pageSize: '500',
      roleMapping: [],
      syncEveryMinutes: '',
      graceDays: '30',
      guardPercent: '10',
    };
  }
  return {
    url: view.url,
    tls: view.tls,
    caCertificate: view.caCertificate ?? '',
    bindDn: view.bindDn,
    bindPassword: '',
    baseDn: view.baseDn,
    userFilter: view.userFilter,
    attributes: mapValues(view.attributes),
    pageSize: String(view.pageSize),
    roleMapping: view.roleMapping.map((m) => ({ group: m.group, role: m.role })),
    syncEveryMinutes: view.syncEveryMinutes === null ? '' : String(view.syncEveryMinutes),
    graceDays: String(view.graceDays),
    guardPercent: String(view.guardPercent),
  };
}

/** A stored (or preset) map as the form's strings. */
export function mapValues(m: AttributeMap): MapValues {
  const d = m.disabled;
  const g = m.groups;
  return {
    username: m.username,
    displayName: m.displayName ?? '',
    email: m.email ?? '',
    phone: m.phone ?? '',
    disabledKind: d.kind,
    disabledAttribute: d.kind === 'none' ? '' : d.attribute,
    disabledMask: d.kind === 'bitmask' ? `0x${d.mask.toString(16)}` : '0x2',
    disabledValue: d.kind === 'equals' ? d.value : '',
    groupsKind: g.kind,
    groupsAttribute: g.kind === 'memberOf' ? g.attribute : 'memberOf',
    groupBaseDn: g.kind === 'groupSearch' ? (g.baseDn ?? '') : '',
    groupFilter: g.kind === 'groupSearch' ? g.filter : '(objectClass=groupOfNames)',
    memberAttribute: g.kind === 'groupSearch' ? g.memberAttribute : 'member',
  };
}

/** A number field: empty or not a number stays a string, so the schema says what is wrong in words. */
function num(s: string): number | string {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** A mask as typed: decimal or 0x hex. */
function mask(s: string): number | string {
  const t = s.trim();
  return /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : num(t);
}

/** The map as AttributeMap's input (before the schema has checked it), with the preset it equals, or custom. */
function mapInput(v: MapValues): Record<string, unknown> {
  const opt = (s: string) => (s.trim() === '' ? null : s);
  const disabled =
    v.disabledKind === 'none'
      ? { kind: 'none' }
      : v.disabledKind === 'bitmask'
        ? { kind: 'bitmask', attribute: v.disabledAttribute, mask: mask(v.disabledMask) }
        : v.disabledKind === 'equals'
          ? { kind: 'equals', attribute: v.disabledAttribute, value: v.disabledValue }
          : { kind: 'present', attribute: v.disabledAttribute };
  const groups =
    v.groupsKind === 'none'
      ? { kind: 'none' }
      : v.groupsKind === 'memberOf'
        ? { kind: 'memberOf', attribute: v.groupsAttribute }
        : { kind: 'groupSearch', baseDn: opt(v.groupBaseDn), filter: v.groupFilter, memberAttribute: v.memberAttribute };
  const map = { username: v.username, displayName: opt(v.displayName), email: opt(v.email), phone: opt(v.phone), disabled, groups };
  return { preset: presetOf(map), ...map };
}

/** Which preset a map is (every field the preset's), or custom. */
function presetOf(map: Record<string, unknown>): AttributePreset {
  for (const p of ['activeDirectory', 'openldap'] as const) {
    const parsed = AttributeMap.safeParse({ ...map, preset: p });
    if (parsed.success && JSON.stringify(parsed.data) === JSON.stringify(AttributeMap.parse(ATTRIBUTE_PRESETS[p]))) return p;
  }
  return 'custom';
}

/** The preset the form's map is now (the Directory type select shows it; a changed field makes it custom). */
export function presetOfValues(v: MapValues): AttributePreset {
  return mapInput(v).preset as AttributePreset;
}

/** Field messages keyed by the whole path (attributes.disabled.attribute, roleMapping.0.group); the first issue per field wins. */
function pathErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = prefix + (issue.path.length > 0 ? issue.path.map(String).join('.') : '_');
    out[key] ??= issue.message;
  }
  return out;
}

/** "expected number" in words, for the fields typed as numbers. */
const NUMBER_WORDS: Record<string, string> = {
  syncEveryMinutes: 'Minutes must be a number',
  graceDays: 'Days must be a number',
  guardPercent: 'Share must be a number',
  pageSize: 'Page size must be a number',
  'attributes.disabled.mask': 'The mask must be a number, such as 2 or 0x2',
};

/**
 * The values as the server's input, checked with the same schemas
 * (DirectoryConfigInput; the attribute map with AttributeMap, its part, so
 * each map field gets its own message). Errors are keyed by path:
 * `url`, `attributes.username`, `attributes.groups.filter`,
 * `roleMapping.1.group`. The timeout is not in the form: the stored one is kept.
 */
export function checkDirectory(
  values: DirectoryValues,
  view: DirectoryConfigView | null,
  opts: { clearPassword?: boolean } = {},
): Checked<DirectoryConfigParsed> {
  const every = values.syncEveryMinutes.trim();
  const attributes = mapInput(values.attributes);
  const input: Record<string, unknown> = {
    url: values.url,
    tls: values.tls,
    caCertificate: values.caCertificate.trim() === '' ? null : values.caCertificate,
    bindDn: values.bindDn,
    baseDn: values.baseDn,
    userFilter: values.userFilter,
    attributes,
    pageSize: num(values.pageSize),
    roleMapping: values.roleMapping.map((m) => ({ group: m.group, role: m.role })),
    syncEveryMinutes: every === '' ? null : num(every),
    graceDays: num(values.graceDays),
    guardPercent: num(values.guardPercent),
    ...(view ? { timeoutMs: view.timeoutMs } : {}),
  };
  if (opts.clearPassword) input.bindPassword = null;
  else if (values.bindPassword !== '') input.bindPassword = values.bindPassword;
  const whole = DirectoryConfigInput.safeParse(input);
  if (whole.success) return { ok: true, data: whole.data };
  const errors = pathErrors(whole.error.issues.filter((i) => i.path[0] !== 'attributes'));
  const map = AttributeMap.safeParse(attributes);
  if (!map.success) Object.assign(errors, pathErrors(map.error.issues, 'attributes.'));
  else if (whole.error.issues.some((i) => i.path[0] === 'attributes')) errors.attributes = 'The attribute map is not one the server accepts';
  const typed: Record<string, unknown> = { ...input, 'attributes.disabled.mask': (attributes.disabled as { mask?: unknown }).mask };
  for (const [k, msg] of Object.entries(NUMBER_WORDS)) {
    if (errors[k] !== undefined && typeof typed[k] === 'string') errors[k] = typed[k] === '' ? `${msg} (it is empty)` : msg;
  }
  if (errors['attributes.username'] !== undefined && values.attributes.username.trim() === '')
    errors['attributes.username'] = 'The username attribute is required';
  return { ok: false, errors };
}

export const PRESETS: { value: 'activeDirectory' | 'openldap'; label: string }[] = [
  { value: 'activeDirectory', label: 'Active Directory' },
  { value: 'openldap', label: 'OpenLDAP (inetOrgPerson)' },
];
