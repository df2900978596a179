import { TesseraError } from '../../../shared/errors';
import type { SyncPlanView } from '../../../shared/schemas/directory';
import { applyDirectorySync, planDirectorySync, testDirectoryConnection } from '../../services/directory/index';
import { cliActor, withInterrupt, withServices, type Command, type CommandGroup } from '../command';

const test: Command = {
  name: 'directory test',
  summary: 'connect to the directory (LDAP/AD) with the stored settings: what the server said and how many users the filter finds',
  synopsis: '',
  options: {},
  async run(inv) {
    const r = await withServices(inv, (s) => testDirectoryConnection(s));
    if (r.ok) {
      inv.io.stdout.write(`${r.server}\n`);
      inv.io.stdout.write(`Users found: ${r.usersFound}${r.sample.length ? ` (e.g. ${r.sample.join(', ')})` : ''}\n`);
      return 0;
    }
    inv.io.stderr.write(`Directory test failed at ${r.stage}: ${r.error}\n`);
    return 1;
  },
};

function planLines(p: SyncPlanView): string[] {
  const c = p.counts;
  const lines = [
    `Directory entries found: ${p.searched}`,
    `Add ${c.add}, update ${c.update}, disable ${c.disable}, re-enable ${c.reEnable}, unchanged ${c.unchanged}, skipped ${c.skipped}`,
  ];
  const some = <T>(label: string, list: T[], fmt: (x: T) => string) => {
    if (list.length === 0) return;
    lines.push(`${label}:`);
    for (const x of list.slice(0, 20)) lines.push(`  ${fmt(x)}`);
    if (list.length > 20) lines.push(`  … and ${list.length - 20} more in this list`);
  };
  some('Add', p.add, (a) => `${a.username}${a.displayName ? ` (${a.displayName})` : ''}`);
  some('Update', p.update, (u) => `${u.username}: ${u.changes.map((ch) => ch.field).join(', ')}`);
  some('Disable', p.disable, (d) => `${d.username} (${d.why === 'removed_from_directory' ? 'gone from the directory' : 'disabled in the directory'})`);
  some('Re-enable', p.reEnable, (r) => r.username);
  some('Skipped', p.skipped, (s) => `${s.dn}: ${s.reason}`);
  some('Operator roles', p.roles, (r) => `${r.operator}: ${r.from} → ${r.to}`);
  some(
    'Operator accounts disabled with their person',
    p.operatorsDisabled,
    (o) => `${o.operator} (${o.why === 'removed_from_directory' ? 'gone from the directory' : 'disabled there'})`,
  );
  const g = p.guard;
  lines.push(
    g.exceeded
      ? `GUARD: this would disable ${g.wouldDisable} of ${g.directoryUsers} directory users (${g.percent} %), over the ${g.limitPercent} % limit: a sync needs --confirm`
      : `Guard: disables ${g.wouldDisable} of ${g.directoryUsers} directory users (${g.percent} %), within the ${g.limitPercent} % limit`,
  );
  return lines;
}

const sync: Command = {
  name: 'directory sync',
  summary: 'sync users from the directory (add, update, disable, re-enable); --dry-run only says what it would do',
  synopsis: '[--dry-run] [--confirm]',
  help: [
    'Options:',
    '  --dry-run   read the directory and print what a sync would do; change nothing',
    '  --confirm   go on even when the sync would disable more than the guard share of users',
    'A failed or empty search never changes anything. Ctrl-C stops between chunks (what was done stays).',
  ].join('\n'),
  options: { 'dry-run': { type: 'boolean' }, confirm: { type: 'boolean' } },
  async run(inv) {
    if (inv.args['dry-run'] && inv.args.confirm) return inv.usage('--dry-run changes nothing: --confirm has no use with it');
    if (inv.args['dry-run']) {
      const plan = await withServices(inv, (s) => planDirectorySync(s));
      inv.io.stdout.write(`${planLines(plan).join('\n')}\n`);
      return 0;
    }
    const result = await withServices(inv, (s) =>
      withInterrupt(inv.io, (signal) => applyDirectorySync(s, cliActor(), { confirm: inv.args.confirm === true, signal, by: cliActor().name ?? 'cli' })),
    );
    const c = result.counts;
    inv.io.stdout.write(
      `${result.cancelled ? `Stopped: ${result.notAttempted} changes not made. ` : ''}Added ${c.add}, updated ${c.update}, disabled ${c.disable}, re-enabled ${c.reEnable}, unchanged ${c.unchanged}, skipped ${c.skipped}${result.rolesChanged ? `; operator roles changed: ${result.rolesChanged}` : ''}${result.operatorsDisabled ? `; operator accounts disabled: ${result.operatorsDisabled}` : ''}.\n`,
    );
    if (result.cancelled) throw new TesseraError('bad_request', 'The sync was interrupted');
    return 0;
  },
};

export const directory: CommandGroup = {
  name: 'directory',
  summary: 'users from LDAP / Active Directory',
  commands: [test, sync],
};
