import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../../shared/errors';
import { durabilityFromEnv, openTessera } from '../../tessera';
import { dbPath, ensureDataDir, loadMasterKey, MASTER_KEY_FILE } from '../../runtime/dataDir';
import { createFirstAdmin } from '../../services/operatorAccounts';
import { issueSetupToken } from '../../services/setup';
import { closeServices, operatorCount } from '../../services/system';
import { cliActor, readAll, type Command } from '../command';

/** What init and serve say when they made a data folder that others could reach private. */
export function tightenedNote(dataDir: string, from: number): string {
  return `Made the data folder ${dataDir} private (mode 0700; it was 0${from.toString(8)}, so other users could reach it)`;
}

/** Where `tessera serve` listens by default; the setup link printed by init points there. */
export const DEFAULT_URL = 'http://127.0.0.1:8787';

export const init: Command = {
  name: 'init',
  summary: 'create the data folder, database, master key and the first admin (or print a one-time setup link); safe to rerun',
  synopsis: '[--admin NAME --admin-password-stdin]',
  help: [
    'Options:',
    '  --admin NAME               create the first admin operator (status pending: they enroll',
    '                             their authenticator at their first console sign-in)',
    "  --admin-password-stdin     read that admin's password from standard input",
    'Without --admin, prints a one-time link to create the first admin in the console.',
    'Never overwrites: on a second run it reports what exists.',
  ].join('\n'),
  options: { admin: { type: 'string' }, 'admin-password-stdin': { type: 'boolean' } },
  async run(inv) {
    const { io, dataDir, env } = inv;
    const admin = inv.args.admin as string | undefined;
    const passwordFromStdin = inv.args['admin-password-stdin'] === true;
    if (passwordFromStdin && admin === undefined) return inv.usage('--admin-password-stdin needs --admin NAME');
    if (admin !== undefined && !passwordFromStdin) return inv.usage('--admin NAME needs --admin-password-stdin (leave both out to get a setup link instead)');

    durabilityFromEnv(env); // a bad TESSERA_DURABILITY fails before anything is created
    const dirExisted = fs.existsSync(dataDir);
    const dbExisted = fs.existsSync(dbPath(dataDir));
    const dir = ensureDataDir(dataDir);
    const key = loadMasterKey(dataDir, { createIfNew: true, env });
    const services = openTessera({ dataDir, env, createIfNew: false });
    const out = (line = '') => io.stdout.write(`${line}\n`);
    try {
      if (dir.tightenedFrom !== null) out(tightenedNote(dataDir, dir.tightenedFrom));
      const keyWhere = key.source === 'env' ? 'from TESSERA_MASTER_KEY' : path.join(dataDir, MASTER_KEY_FILE);
      const operators = operatorCount(services);
      if (dbExisted) {
        out(
          `Already initialised: ${dataDir} (database ${dbPath(dataDir)}, master key ${keyWhere}, ${operators} operator${operators === 1 ? '' : 's'}). Nothing was overwritten.`,
        );
      } else {
        out(`${dirExisted ? 'Data folder' : 'Created data folder'} ${dataDir}`);
        out(`Created database ${dbPath(dataDir)}`);
        if (key.source === 'created') {
          out(`Created master key ${keyWhere} (mode 0600).`);
          out('  Keep a copy somewhere safe and apart from backups: without it the database cannot be opened.');
        } else if (key.source === 'env') {
          out('Using the master key from TESSERA_MASTER_KEY (no key file written).');
        } else {
          out(`Using the existing master key ${keyWhere}`);
        }
      }

      if (operators > 0) {
        if (admin !== undefined) out(`An operator already exists, so no admin named "${admin}" was created.`);
        return 0;
      }
      if (admin !== undefined) {
        if (io.stdin.isTTY) io.stderr.write('Type the admin password, then Enter and Ctrl-D:\n');
        const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
        if (password === '') throw new TesseraError('bad_request', 'No password on standard input');
        const created = await createFirstAdmin(services, { username: admin, password }, cliActor());
        out(`Created admin "${created.username}". Status pending: they set up their authenticator app at their first console sign-in.`);
        out(`Start the server with "tessera serve" and sign in at ${DEFAULT_URL}`);
        return 0;
      }
      const link = issueSetupToken(services, cliActor());
      if (!link) return 0;
      out('');
      out(`Create the first admin with this one-time link (valid until ${link.expiresAt}):`);
      out(`  ${DEFAULT_URL}/setup?token=${link.token}`);
      out('Start the server first: tessera serve');
      return 0;
    } finally {
      closeServices(services);
    }
  },
};
