import { TesseraError } from '../../../shared/errors';
import { CreateUserInput } from '../../../shared/schemas/users';
import { createUser } from '../../services/users';
import { applyUserImport, planUserImport, readUserCsv, type ImportPlan } from '../../services/userImport';
import { cliActor, parseInput, readCsvFile, withInterrupt, withServices, type Command, type CommandGroup, type Invocation } from '../command';

const add: Command = {
  name: 'user add',
  summary: 'add a user (usernames are trimmed, NFKC-normalised and compared case-insensitively)',
  synopsis: 'NAME [--email E] [--display-name D]',
  options: { email: { type: 'string' }, 'display-name': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(inv) {
    const input = parseInput(
      CreateUserInput,
      {
        username: inv.positionals[0],
        ...(inv.args.email !== undefined ? { email: inv.args.email } : {}),
        ...(inv.args['display-name'] !== undefined ? { displayName: inv.args['display-name'] } : {}),
      },
      { email: '--email', displayName: '--display-name' },
    );
    const created = await withServices(inv, (s) => createUser(s, input, cliActor()));
    inv.io.stdout.write(`Created user "${created.username}"${created.email ? ` <${created.email}>` : ''}.\n`);
    return 0;
  },
};

function printPlan(inv: Invocation, plan: ImportPlan, ignoredColumns: string[]): void {
  const out = (line: string) => inv.io.stdout.write(`${line}\n`);
  if (ignoredColumns.length > 0) out(`Ignoring column${ignoredColumns.length === 1 ? '' : 's'}: ${ignoredColumns.join(', ')}`);
  out(`${plan.total} row${plan.total === 1 ? '' : 's'}: ${plan.create.length} to create, ${plan.skip.length} to skip, ${plan.reject.length} rejected.`);
  const details = [
    ...plan.skip.map((s) => ({ row: s.row, text: `row ${s.row}: skip "${s.username}" (${s.reason})` })),
    ...plan.reject.map((r) => ({ row: r.row, text: `row ${r.row}: rejected — ${r.reason}` })),
  ].sort((a, b) => a.row - b.row);
  for (const d of details) out(d.text);
}

const importCmd: Command = {
  name: 'user import',
  summary: 'add users from a CSV file (header: username,email,display_name); --dry-run changes nothing',
  synopsis: 'FILE.csv [--dry-run]',
  help: [
    'The first row names the columns: username (required), email, display_name',
    '(displayName and "display name" work too); other columns are ignored.',
    'UTF-8; comma, semicolon or tab separated; at most 50 MB and 200,000 rows.',
    'Existing users and repeats within the file are skipped; invalid rows are rejected',
    'with the reason; the rest are created, 500 per transaction (Ctrl-C stops between them).',
    'Options:',
    '  --dry-run   print what would happen, per row, and change nothing',
  ].join('\n'),
  options: { 'dry-run': { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(inv) {
    const file = inv.positionals[0]!;
    const { rows, ignoredColumns } = readUserCsv(readCsvFile(file));
    const dryRun = inv.args['dry-run'] === true;
    return withServices(inv, async (s) => {
      const plan = planUserImport(s, rows);
      printPlan(inv, plan, ignoredColumns);
      if (dryRun) {
        inv.io.stdout.write('Dry run: nothing was changed.\n');
        return 0;
      }
      if (plan.create.length === 0) {
        inv.io.stdout.write('Nothing to create.\n');
        return 0;
      }
      const tty = inv.io.stderr.isTTY === true;
      const result = await withInterrupt(inv.io, (signal) =>
        applyUserImport(s, plan, cliActor(), {
          signal,
          onProgress: tty ? (p) => inv.io.stderr.write(`\r${p.done}/${p.total} processed…`) : undefined,
        }),
      );
      if (tty) inv.io.stderr.write('\n');
      for (const k of result.skipped) inv.io.stdout.write(`row ${k.row}: skipped "${k.username}" (${k.reason} — added since the plan)\n`);
      inv.io.stdout.write(
        `Created ${result.created} user${result.created === 1 ? '' : 's'}; ${plan.skip.length + result.skipped.length} skipped, ${plan.reject.length} rejected.\n`,
      );
      if (result.cancelled) {
        throw new TesseraError(
          'bad_request',
          `Import cancelled: ${result.created} created, ${result.notAttempted} not attempted (rerun the same file to continue; existing users are skipped)`,
        );
      }
      return 0;
    });
  },
};

export const user: CommandGroup = {
  name: 'user',
  summary: 'users who sign in with a second factor',
  commands: [add, importCmd],
};
