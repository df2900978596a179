import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format';
import { PAPER_LABELS, type Paper, type SheetPlan, SheetSelection } from '../../../shared/schemas/sheets';
import { reserveNewFile } from '../../services/outputFiles';
import { planSheets, writeSheetBatchFile } from '../../services/sheets/enrollmentSheets';
import { cliActor, readCsvFile, withInterrupt, withServices, type Command, type Invocation } from '../command';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function printPlan(inv: Invocation, plan: SheetPlan, dryRun: boolean): void {
  const out = (line: string) => inv.io.stdout.write(`${line}\n`);
  if (plan.ignoredColumns.length > 0) out(`Ignoring column${plan.ignoredColumns.length === 1 ? '' : 's'}: ${plan.ignoredColumns.join(', ')}`);
  const beyond = plan.notIncluded > 0 ? `, ${plural(plan.notIncluded, 'more user')} beyond this batch's limit (run again for them)` : '';
  out(`${plural(plan.sheets.length, 'sheet')} to print, ${plan.skippedTotal.toLocaleString('en')} skipped${beyond}.`);
  for (const s of plan.skipped) {
    const who = s.username === null ? '(empty)' : `"${s.username}"`;
    out(`${s.row !== null ? `row ${s.row}: ` : ''}skip ${who} (${s.reason})`);
  }
  if (plan.skipped.length < plan.skippedTotal) out(`… and ${plural(plan.skippedTotal - plan.skipped.length, 'more skipped user')}`);
  if (dryRun) {
    for (const s of plan.sheets)
      out(`sheet for "${s.username}"${s.displayName ? ` (${s.displayName})` : ''}${s.replacesPending ? ' — replaces a pending enrollment' : ''}`);
  }
}

/** `tessera sheets`: batch enrollment sheets into one PDF. */
export const sheets: Command = {
  name: 'sheets',
  summary: 'batch QR enrollment sheets: one PDF, a page per user, each a new pending authenticator app',
  synopsis: '--users FILE|--without-factor|--group NAME --out FILE.pdf [--paper a4|letter] [--dry-run] [--reprint-pending]',
  help: [
    'Who gets a sheet (one of):',
    '  --users FILE.csv    the users named in a CSV with a header row naming a username column',
    '                      (the user import format works as is; other columns are ignored)',
    '  --without-factor    every user without an active factor',
    '  --group NAME        the members of a directory group (as the last directory sync read it)',
    '                      who have no active factor; disabled users are left out',
    'Options:',
    '  --out FILE.pdf      the PDF to write (a new file, mode 0600; never overwritten)',
    '  --paper a4|letter   paper size (default a4)',
    '  --dry-run           say who gets a sheet and who is skipped and why; change nothing',
    '  --reprint-pending   also print for users whose earlier sheet has not been scanned yet:',
    '                      their pending enrollment is replaced and the old sheet stops working',
    'Each sheet enrolls a pending TOTP factor (active at its first confirmed code, expiring after',
    "the settings' pendingExpiryHours) and is audited as sheet.issue. Skipped: unknown users,",
    'repeats in the file, users who have an authenticator app or an unscanned sheet.',
    'Ctrl-C stops between pages: sheets issued so far stay issued; the partial file is deleted.',
    "The PDF holds every user's secret: print it, hand the sheets out, delete the file.",
  ].join('\n'),
  options: {
    users: { type: 'string' },
    'without-factor': { type: 'boolean' },
    group: { type: 'string' },
    out: { type: 'string' },
    paper: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'reprint-pending': { type: 'boolean' },
  },
  async run(inv) {
    const usersFile = inv.args.users as string | undefined;
    const withoutFactor = inv.args['without-factor'] === true;
    const group = inv.args.group as string | undefined;
    if ([usersFile !== undefined, withoutFactor, group !== undefined].filter(Boolean).length !== 1) {
      inv.usage('give exactly one of --users FILE, --without-factor or --group NAME');
    }
    if (usersFile === '') inv.usage('--users needs a file');
    const dryRun = inv.args['dry-run'] === true;
    const outFile = inv.args.out as string | undefined;
    if (!dryRun && (outFile === undefined || outFile === '')) inv.usage('--out FILE.pdf is required (or --dry-run)');
    const paperArg = ((inv.args.paper as string | undefined) ?? 'a4').toLowerCase();
    if (paperArg !== 'a4' && paperArg !== 'letter') inv.usage('--paper must be a4 or letter');
    const paper = paperArg as Paper;
    const reissuePending = inv.args['reprint-pending'] === true;
    let selection: SheetSelection = { kind: 'withoutFactor' };
    if (usersFile !== undefined) selection = { kind: 'csv', csv: readCsvFile(usersFile).toString('utf8') };
    else if (group !== undefined) {
      const parsed = SheetSelection.safeParse({ kind: 'group', group });
      if (!parsed.success) return inv.usage(`--group: ${parsed.error.issues[0]?.message ?? 'not a group name'}`);
      selection = parsed.data;
    }

    return withServices(inv, async (s) => {
      const plan = await planSheets(s, selection, { reissuePending });
      printPlan(inv, plan, dryRun);
      if (dryRun) {
        inv.io.stdout.write('Dry run: nothing was changed.\n');
        return 0;
      }
      if (plan.sheets.length === 0) {
        inv.io.stdout.write('Nobody to print a sheet for; no file written.\n');
        return 0;
      }
      const file = outFile!;
      const target = reserveNewFile(file);
      const tty = inv.io.stderr.isTTY === true;
      // A cancelled run, or one where nobody got a sheet after all, leaves no file.
      const result = await withInterrupt(inv.io, (signal) =>
        writeSheetBatchFile(s, plan.sheets, target, cliActor(), {
          paper,
          batchId: randomUUID(),
          reissuePending,
          signal,
          onProgress: (p) => {
            if (tty || p.done === p.total || p.done % 100 === 0) inv.io.stderr.write(`${tty ? '\r' : ''}${p.done}/${p.total} sheets${tty ? '…' : '\n'}`);
          },
        }),
      );
      if (tty) inv.io.stderr.write('\n');
      for (const k of result.skippedLate) inv.io.stdout.write(`skipped "${k.username}" (${k.reason} — changed since the plan)\n`);
      if (result.cancelled) {
        throw new TesseraError(
          'bad_request',
          `Interrupted after ${plural(result.issued, 'sheet')}; ${file} was deleted. Those users now hold pending enrollments nobody has seen: rerun with --reprint-pending to print them again`,
        );
      }
      if (result.pages === 0) {
        inv.io.stdout.write('Nobody to print a sheet for after all; no file written.\n');
        return 0;
      }
      inv.io.stdout.write(`Wrote ${plural(result.pages, 'sheet')} (${PAPER_LABELS[paper]}, ${formatBytes(result.bytes)}) to ${file}.\n`);
      inv.io.stdout.write("The file holds every user's secret: print it, hand the sheets out, then delete it.\n");
      return 0;
    });
  },
};
