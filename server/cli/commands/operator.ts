import { TesseraError } from '../../../shared/errors';
import { TEMPORARY_PASSWORD_DAYS } from '../../../shared/passwordRules';
import { ROLE_LABELS } from '../../../shared/schemas/operators';
import { listOperators } from '../../services/operatorAccounts';
import { resetOperatorPasswordFromCli } from '../../services/operatorAuth/index';
import { cliActor, formatTable, readAll, shortTime, withServices, type Command, type CommandGroup } from '../command';

const STATUS_WORDS = { pending: 'awaiting first sign-in', active: 'active', disabled: 'disabled' } as const;

const list: Command = {
  name: 'operator list',
  summary: 'list the console operators, their roles and whether a password change is pending',
  synopsis: '',
  options: {},
  async run(inv) {
    const operators = await withServices(inv, (s) => listOperators(s));
    const rows = operators.map((o) => [
      o.username,
      ROLE_LABELS[o.role],
      STATUS_WORDS[o.status],
      o.mustChangePassword ? `temporary, until ${shortTime(o.temporaryPasswordExpiresAt)}` : 'their own',
    ]);
    inv.io.stdout.write(formatTable(['USERNAME', 'ROLE', 'STATUS', 'PASSWORD'], rows));
    return 0;
  },
};

const resetPassword: Command = {
  name: 'operator reset-password',
  summary: 'give an operator a temporary password they must change at their next sign-in (the way back in for the last administrator)',
  synopsis: 'NAME [--password-stdin] [--second-factor]',
  help: [
    'Prints a generated temporary password (the last line of standard output, alone),',
    'or sets the one read from standard input with --password-stdin. It signs in for',
    `${TEMPORARY_PASSWORD_DAYS} days; after signing in (password, then their authenticator code) the operator`,
    'must choose a new password before anything else. Their sessions end now; their',
    'authenticator app keeps working unless --second-factor. Audited as the account',
    'that ran the command.',
    'Options:',
    '  --password-stdin   read the temporary password from standard input instead',
    '  --second-factor    also reset their second factor (lost phone too): after the',
    '                     password they set up an authenticator app again; their',
    '                     security keys are removed',
  ].join('\n'),
  options: { 'password-stdin': { type: 'boolean' }, 'second-factor': { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(inv) {
    const name = inv.positionals[0]!;
    let typed: string | undefined;
    if (inv.args['password-stdin'] === true) {
      if (inv.io.stdin.isTTY) inv.io.stderr.write('Type the temporary password, then Enter and Ctrl-D:\n');
      typed = (await readAll(inv.io.stdin)).replace(/\r?\n$/, '');
      if (typed === '') throw new TesseraError('bad_request', 'No password on standard input');
    }
    const secondFactor = inv.args['second-factor'] === true;
    const r = await withServices(inv, (s) => resetOperatorPasswordFromCli(s, name, typed, cliActor(), { secondFactor }));
    const out = (line: string) => inv.io.stdout.write(`${line}\n`);
    out(`Password of "${r.operator.username}" reset; ${r.sessionsEnded === 1 ? '1 session' : `${r.sessionsEnded} sessions`} ended.`);
    out(`It works until ${shortTime(r.expiresAt)}; at sign-in they must choose a new one.`);
    if (secondFactor) out('Their second factor is reset too: after the password they set up an authenticator app again.');
    if (r.operator.status === 'disabled') out('Note: this operator is disabled; an administrator must enable them before they can sign in.');
    if (typed === undefined) {
      out('Temporary password (shown once, give it to them in person):');
      out(r.temporaryPassword);
    }
    return 0;
  },
};

export const operator: CommandGroup = {
  name: 'operator',
  summary: 'console operators (IT staff, helpdesk, auditors)',
  commands: [list, resetPassword],
};
