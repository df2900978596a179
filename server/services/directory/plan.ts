import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { maskPhone } from '../../../shared/mask';
import { usernameKey } from '../../../shared/schemas/text';
import {
  PLAN_LIST_LIMIT,
  type DirectoryConfig,
  type DirectoryField,
  type DisableWhy,
  type SyncCounts,
  type SyncPlanView,
} from '../../../shared/schemas/directory';
import type { OperatorRole } from '../../../shared/schemas/operators';
import type { ServiceContext } from '../context';
import { newUsernameProblem } from '../users';
import { normalizeDn } from './ldap';
import type { DirectoryPerson, DirectoryRead } from './read';

/**
 * The sync planner: compares what the directory answered with Tessera's
 * users and decides, without changing anything, who is added, updated
 * (which fields), disabled and re-enabled. Local users (not from the
 * directory) are never disabled; a local user whose name the directory
 * has is taken over (source: local → directory).
 */

export interface FieldChange {
  field: DirectoryField;
  from: string | null;
  to: string | null;
}

export interface PlannedUpdate {
  userId: string;
  username: string;
  person: DirectoryPerson;
  changes: FieldChange[];
}

export interface SyncPlan {
  entries: number;
  add: DirectoryPerson[];
  update: PlannedUpdate[];
  disable: { userId: string; username: string; why: DisableWhy }[];
  reEnable: { userId: string; username: string }[];
  unchanged: number;
  skipped: { dn: string; reason: string }[];
  guard: SyncPlanView['guard'];
  roles: { operatorId: string; operator: string; from: OperatorRole; to: OperatorRole }[];
  operatorsDisabled: { operatorId: string; operator: string; why: DisableWhy }[];
}

/** Reasons Tessera disabled a user that a sync may undo (a sync never re-enables a user someone else disabled). */
const DIRECTORY_REASONS = new Set<string>(['removed_from_directory', 'disabled_in_directory']);

const groupsText = (g: readonly string[] | null) => (g === null ? null : g.join(', '));
const phoneText = (p: string | null) => (p === null ? null : maskPhone(p));

/** How long the planner works before it lets the event loop run (ms). */
const SLICE_MS = 8;

export async function planSync(ctx: ServiceContext, config: DirectoryConfig, read: DirectoryRead, signal?: AbortSignal): Promise<SyncPlan> {
  const storedGroups = config.attributes.groups.kind === 'none' ? null : ctx.store.directory.groupsByUser();
  const plan: SyncPlan = {
    entries: read.entries,
    add: [],
    update: [],
    disable: [],
    reEnable: [],
    unchanged: 0,
    skipped: [...read.skipped],
    guard: { directoryUsers: 0, wouldDisable: 0, percent: 0, limitPercent: config.guardPercent, exceeded: false },
    roles: [],
    operatorsDisabled: [],
  };
  const seen = new Set<string>();
  let slice = performance.now();
  for (let i = 0; i < read.people.length; i++) {
    if ((i & 255) === 0 && performance.now() - slice > SLICE_MS) {
      await yieldToLoop();
      signal?.throwIfAborted();
      slice = performance.now();
    }
    const person = read.people[i]!;
    const row = ctx.store.directory.user(usernameKey(person.username));
    if (!row) {
      if (person.disabled) {
        plan.skipped.push({ dn: person.dn, reason: `"${person.username}" is disabled in the directory and not in Tessera: not added` });
        continue;
      }
      const problem = newUsernameProblem(ctx, person.username);
      if (problem) {
        plan.skipped.push({ dn: person.dn, reason: problem.message });
        continue;
      }
      plan.add.push(person);
      continue;
    }
    seen.add(row.id);
    const changes: FieldChange[] = [];
    if (row.directory_dn === null) changes.push({ field: 'source', from: 'local', to: 'directory' });
    else if (row.directory_dn !== person.dn) changes.push({ field: 'directoryDn', from: row.directory_dn, to: person.dn });
    if (row.display_name !== person.displayName) changes.push({ field: 'displayName', from: row.display_name, to: person.displayName });
    if (row.email !== person.email) changes.push({ field: 'email', from: row.email, to: person.email });
    if (row.phone !== person.phone) changes.push({ field: 'phone', from: phoneText(row.phone), to: phoneText(person.phone) });
    if (storedGroups && person.groups !== null) {
      const before = storedGroups.get(row.id) ?? [];
      const sortedBefore = [...before].sort((a, b) => a.localeCompare(b));
      if (sortedBefore.join('\u0000') !== person.groups.join('\u0000'))
        changes.push({ field: 'groups', from: groupsText(sortedBefore), to: groupsText(person.groups) });
    }
    if (changes.length > 0) plan.update.push({ userId: row.id, username: row.username, person, changes });
    let acted = changes.length > 0;
    if (person.disabled) {
      if (row.disabled_at === null) {
        plan.disable.push({ userId: row.id, username: row.username, why: 'disabled_in_directory' });
        acted = true;
      }
    } else if (row.disabled_at !== null && row.disabled_reason !== null && DIRECTORY_REASONS.has(row.disabled_reason)) {
      plan.reEnable.push({ userId: row.id, username: row.username });
      acted = true;
    }
    if (!acted) plan.unchanged++;
  }
  // Users the directory owned that its answer no longer holds: they left.
  for (const row of ctx.store.directory.directoryUsers()) {
    if (seen.has(row.id) || row.disabled_at !== null) continue;
    plan.disable.push({ userId: row.id, username: row.username, why: 'removed_from_directory' });
  }
  const directoryUsers = ctx.store.directory.enabledDirectoryUsers();
  const wouldDisable = plan.disable.length;
  const percent = directoryUsers === 0 ? 0 : Math.round((wouldDisable / directoryUsers) * 1000) / 10;
  plan.guard = { directoryUsers, wouldDisable, percent, limitPercent: config.guardPercent, exceeded: wouldDisable > 0 && percent > config.guardPercent };
  plan.roles = planRoles(ctx, config, read.people);
  plan.operatorsDisabled = planOperatorLeavers(ctx, config, plan.disable);
  return plan;
}

/**
 * With a role mapping, an operator account is the directory person of the
 * same username (that is how it got its role), so it leaves with them: a
 * mapping that grants console access must also take it away when the person
 * is disabled or gone, or a leaver keeps the console. Without a mapping,
 * operators are local accounts and the sync leaves them alone.
 */
function planOperatorLeavers(ctx: ServiceContext, config: DirectoryConfig, disable: SyncPlan['disable']): SyncPlan['operatorsDisabled'] {
  if (config.roleMapping.length === 0 || disable.length === 0) return [];
  const leaving = new Map(disable.map((d) => [usernameKey(d.username), d.why]));
  return ctx.store.operators
    .list()
    .filter((op) => op.status !== 'disabled' && leaving.has(op.username_key))
    .map((op) => ({ operatorId: op.id, operator: op.username, why: leaving.get(op.username_key)! }));
}

/**
 * Operator roles from groups: an operator whose username is a directory
 * user's gets the role of the first mapping line whose group that user is
 * in. An operator in no mapped group keeps their role (the mapping only
 * grants; taking a role away is an admin's call). A line's group is a name
 * (any group of that name, wherever it is) or a DN: exactly that group, so
 * cn=Admins in another OU does not make anyone an admin.
 */
function planRoles(ctx: ServiceContext, config: DirectoryConfig, people: readonly DirectoryPerson[]): SyncPlan['roles'] {
  if (config.roleMapping.length === 0) return [];
  const byKey = new Map(people.map((p) => [usernameKey(p.username), p]));
  const out: SyncPlan['roles'] = [];
  for (const op of ctx.store.operators.list()) {
    const person = byKey.get(op.username_key);
    if (!person || person.disabled || person.groups === null) continue;
    const groups = new Set(person.groups.map((g) => g.toLowerCase()));
    const dns = new Set(person.groupDns ?? []);
    const line = config.roleMapping.find((m) => (isDn(m.group) ? dns.has(normalizeDn(m.group)) : groups.has(m.group.toLowerCase())));
    if (line && line.role !== op.role) out.push({ operatorId: op.id, operator: op.username, from: op.role, to: line.role });
  }
  return out;
}

export function countsOf(plan: SyncPlan): SyncCounts {
  return {
    add: plan.add.length,
    update: plan.update.length,
    disable: plan.disable.length,
    reEnable: plan.reEnable.length,
    unchanged: plan.unchanged,
    skipped: plan.skipped.length,
  };
}

/** The dry run's view: whole counts, lists cut at PLAN_LIST_LIMIT. */
export function planView(plan: SyncPlan): SyncPlanView {
  const cut = <T>(list: readonly T[]) => list.slice(0, PLAN_LIST_LIMIT);
  return {
    searched: plan.entries,
    counts: countsOf(plan),
    add: cut(plan.add).map((p) => ({ username: p.username, displayName: p.displayName, email: p.email })),
    update: cut(plan.update).map((u) => ({ username: u.username, changes: u.changes })),
    disable: cut(plan.disable).map((d) => ({ username: d.username, why: d.why })),
    reEnable: cut(plan.reEnable).map((r) => ({ username: r.username })),
    skipped: cut(plan.skipped),
    truncated: [plan.add, plan.update, plan.disable, plan.reEnable, plan.skipped].some((l) => l.length > PLAN_LIST_LIMIT),
    guard: plan.guard,
    roles: plan.roles.map((r) => ({ operator: r.operator, from: r.from, to: r.to })),
    operatorsDisabled: plan.operatorsDisabled.map((o) => ({ operator: o.operator, why: o.why })),
  };
}

/** A mapping line's group given as a DN (cn=…,ou=…) rather than a bare name. */
function isDn(group: string): boolean {
  return /^[A-Za-z][\w.-]*\s*=/.test(group.trim());
}
