import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../../shared/errors';
import { durabilityFromEnv, openTessera } from '../../tessera';
import { dbPath, ensureDataDir, loadMasterKey, MASTER_KEY_FILE } from '../../runtime/dataDir';
import { createFirstAdmin } from '../../services/operatorAccounts';
import { issueSetupToken } from '../../services/setup';
import { closeServices, operatorCount } from '../../services/system';
import { cliActor, readAll, type Command } from '../command';
import { checkNodeKey, hasMasterKey, maskDatabaseUrl } from '../database';
import { consoleUrl, listenAddress } from '../listenAddress';

/**
 * The serve command that listens where init's link points: flags given to init are repeated (the environment applies to both by itself).
 * A --database URL is named, not repeated: it may hold a password.
 */
function serveCommandFor(host: string | undefined, port: string | undefined, database = false): string {
  return [
    'tessera serve',
    ...(host !== undefined ? [`--host ${host}`] : []),
    ...(port !== undefined ? [`--port ${port}`] : []),
    ...(database ? ['--database URL'] : []),
  ].join(' ');
}

/** What init and serve say when they made a data folder that others could reach private. */
export function tightenedNote(dataDir: string, from: number): string {
  return `Made the data folder ${dataDir} private (mode 0700; it was 0${from.toString(8)}, so other users could reach it)`;
}

export const init: Command = {
  name: 'init',
  summary: 'create the data folder, database, master key and the first admin (or print a one-time setup link); safe to rerun',
  synopsis: '[--admin NAME --admin-password-stdin] [--host ADDR] [--port N]',
  help: [
    'Options:',
    '  --host ADDR, --port N      where "tessera serve" will listen, for the link printed here',
    '                             (as serve: default TESSERA_HOST / TESSERA_PORT, else 127.0.0.1:8787)',
    '  --admin NAME               create the first admin operator (status pending: they enroll',
    '                             their authenticator at their first console sign-in)',
    "  --admin-password-stdin     read that admin's password from standard input",
    'Without --admin, prints a one-time link to create the first admin in the console.',
    'Never overwrites: on a second run it reports what exists.',
    "With --database (a shared PostgreSQL database), the data folder holds this node's master key",
    '(or TESSERA_MASTER_KEY) and audit anchor. The first node creates the key; each further node',
    'joins with a copy of that same key, and is refused (nothing written) without it.',
  ].join('\n'),
  options: { admin: { type: 'string' }, 'admin-password-stdin': { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' } },
  async run(inv) {
    const { io, dataDir, env } = inv;
    const admin = inv.args.admin as string | undefined;
    const passwordFromStdin = inv.args['admin-password-stdin'] === true;
    if (passwordFromStdin && admin === undefined) return inv.usage('--admin-password-stdin needs --admin NAME');
    if (admin !== undefined && !passwordFromStdin) return inv.usage('--admin NAME needs --admin-password-stdin (leave both out to get a setup link instead)');
    // The link points where serve will listen: the same flags, environment and defaults decide both (listenAddress.ts).
    const address = listenAddress({ host: inv.args.host as string | undefined, port: inv.args.port as string | undefined }, env);
    if ('problem' in address) return inv.usage(address.problem);
    const serveCommand = serveCommandFor(inv.args.host as string | undefined, inv.args.port as string | undefined, typeof inv.args.database === 'string');

    durabilityFromEnv(env); // a bad TESSERA_DURABILITY fails before anything is created
    const url = inv.databaseUrl;
    const dirExisted = fs.existsSync(dataDir);
    let dbExisted: boolean;
    if (url === null) {
      dbExisted = fs.existsSync(dbPath(dataDir));
    } else {
      // A node joining a database another node initialised must bring that node's key: checked before a key file is made.
      const existingKey = hasMasterKey(dataDir, env) ? loadMasterKey(dataDir, { createIfNew: false, env }).key : null;
      dbExisted = checkNodeKey(url, dataDir, env, existingKey).hasKeys;
    }
    const dir = ensureDataDir(dataDir);
    const key = loadMasterKey(dataDir, { createIfNew: true, env });
    const databaseWhere = url === null ? dbPath(dataDir) : maskDatabaseUrl(url);
    let services: ReturnType<typeof openTessera>;
    try {
      services = openTessera({ dataDir, env, createIfNew: false, ...(url !== null ? { databaseUrl: url } : {}), masterKey: key.key });
    } catch (err) {
      if (key.source === 'created' && url !== null) {
        // Two first nodes at once: the other one's key won. The key made here opens nothing, so it goes.
        fs.rmSync(path.join(dataDir, MASTER_KEY_FILE), { force: true });
        if (err instanceof TesseraError && err.code === 'integrity') {
          throw new TesseraError(
            'conflict',
            `Another node initialised the database ${databaseWhere} at the same moment, with its own master key; the key made here was removed. Copy that node's master key file to ${path.join(dataDir, MASTER_KEY_FILE)} (mode 0600), or set TESSERA_MASTER_KEY to it, and run init again`,
          );
        }
      }
      throw err;
    }
    const out = (line = '') => io.stdout.write(`${line}\n`);
    try {
      if (dir.tightenedFrom !== null) out(tightenedNote(dataDir, dir.tightenedFrom));
      const keyWhere = key.source === 'env' ? 'from TESSERA_MASTER_KEY' : path.join(dataDir, MASTER_KEY_FILE);
      const operators = operatorCount(services);
      if (dbExisted && url !== null) {
        if (!dirExisted) out(`Created data folder ${dataDir}`);
        out(
          `Already initialised: the database ${databaseWhere} (${operators} operator${operators === 1 ? '' : 's'}), opened with the master key ${keyWhere}. Nothing was overwritten.`,
        );
      } else if (dbExisted) {
        out(
          `Already initialised: ${dataDir} (database ${databaseWhere}, master key ${keyWhere}, ${operators} operator${operators === 1 ? '' : 's'}). Nothing was overwritten.`,
        );
      } else {
        out(`${dirExisted ? 'Data folder' : 'Created data folder'} ${dataDir}`);
        out(url === null ? `Created database ${databaseWhere}` : `Initialised the PostgreSQL database ${databaseWhere}`);
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
        out(
          address.port === 0
            ? `Start the server with "${serveCommand}" and sign in at the address it prints`
            : `Start the server with "${serveCommand}" and sign in at ${consoleUrl(address.host, address.port)}`,
        );
        return 0;
      }
      if (address.port === 0) {
        // A free port is only known once serve runs: serve prints the link (with a token of its own) then.
        out('');
        out(`Start the server with "${serveCommand}": it prints a one-time link to create the first admin, with the port it picked.`);
        return 0;
      }
      const link = issueSetupToken(services, cliActor());
      if (!link) return 0;
      out('');
      out(`Create the first admin with this one-time link (valid until ${link.expiresAt}):`);
      out(`  ${consoleUrl(address.host, address.port)}/setup?token=${link.token}`);
      out(`Start the server first: ${serveCommand}`);
      return 0;
    } finally {
      closeServices(services);
    }
  },
};
