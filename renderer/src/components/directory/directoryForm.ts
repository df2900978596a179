import {
  ATTRIBUTE_PRESETS,
  type AttributeMap,
  DirectoryConfigInput,
  type DirectoryConfigParsed,
  type DirectoryConfigView,
  type DirectoryTls,
  PRESET_USER_FILTERS,
} from '../../../../shared/schemas/directory';
import type { Checked } from '../../lib/useCheckedSubmit';
import { checkForm } from '../../lib/zodForm';

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
  attributes: AttributeMap;
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
      attributes: ATTRIBUTE_PRESETS.activeDirectory,
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
    attributes: view.attributes,
    syncEveryMinutes: view.syncEveryMinutes === null ? '' : String(view.syncEveryMinutes),
    graceDays: String(view.graceDays),
    guardPercent: String(view.guardPercent),
  };
}

/** A number field: empty or not a number stays a string, so the schema says what is wrong in words. */
function num(s: string): number | string {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/**
 * The values as the server's input, checked with the same schema
 * (DirectoryConfigInput). Page size, timeout and the role mapping are not in
 * the form: the stored ones are kept.
 */
export function checkDirectory(
  values: DirectoryValues,
  view: DirectoryConfigView | null,
  opts: { clearPassword?: boolean } = {},
): Checked<DirectoryConfigParsed> {
  const every = values.syncEveryMinutes.trim();
  const input: Record<string, unknown> = {
    url: values.url,
    tls: values.tls,
    caCertificate: values.caCertificate.trim() === '' ? null : values.caCertificate,
    bindDn: values.bindDn,
    baseDn: values.baseDn,
    userFilter: values.userFilter,
    attributes: values.attributes,
    syncEveryMinutes: every === '' ? null : num(every),
    graceDays: num(values.graceDays),
    guardPercent: num(values.guardPercent),
    ...(view ? { pageSize: view.pageSize, timeoutMs: view.timeoutMs, roleMapping: view.roleMapping } : {}),
  };
  if (opts.clearPassword) input.bindPassword = null;
  else if (values.bindPassword !== '') input.bindPassword = values.bindPassword;
  const r = checkForm(DirectoryConfigInput, input);
  if (!r.ok) {
    // A number field with letters in it: the schema would say "expected number"; say it in words.
    const words: Record<string, string> = {
      syncEveryMinutes: 'Minutes must be a number',
      graceDays: 'Days must be a number',
      guardPercent: 'Share must be a number',
    };
    for (const [k, msg] of Object.entries(words)) if (typeof input[k] === 'string') r.errors[k] = input[k] === '' ? `${msg} (it is empty)` : msg;
  }
  return r;
}

export const PRESETS: { value: 'activeDirectory' | 'openldap'; label: string }[] = [
  { value: 'activeDirectory', label: 'Active Directory' },
  { value: 'openldap', label: 'OpenLDAP (inetOrgPerson)' },
];

/** The attribute map in words, one line per field. */
export function describeMap(m: AttributeMap): { field: string; attribute: string }[] {
  const disabled =
    m.disabled.kind === 'none'
      ? 'not read'
      : m.disabled.kind === 'bitmask'
        ? `${m.disabled.attribute} & 0x${m.disabled.mask.toString(16)}`
        : m.disabled.kind === 'equals'
          ? `${m.disabled.attribute} = ${m.disabled.value}`
          : `${m.disabled.attribute} present`;
  const groups =
    m.groups.kind === 'none' ? 'not read' : m.groups.kind === 'memberOf' ? m.groups.attribute : `groups listing the user in ${m.groups.memberAttribute}`;
  return [
    { field: 'Username', attribute: m.username },
    { field: 'Display name', attribute: m.displayName ?? 'not read' },
    { field: 'Email', attribute: m.email ?? 'not read' },
    { field: 'Phone', attribute: m.phone ?? 'not read' },
    { field: 'Disabled', attribute: disabled },
    { field: 'Groups', attribute: groups },
  ];
}
