import path from 'node:path';
import { MASTER_KEY_FILE } from '../../runtime/dataDir';
import { backupDatabase } from '../../services/backup';
import { cliActor, withServices, type Command } from '../command';

export const backup: Command = {
  name: 'backup',
  summary: 'write a consistent copy of the database while Tessera runs (the master key is not in it)',
  synopsis: '--out FILE',
  help: [
    'Options:',
    '  --out FILE   the backup to write (mode 0600); an existing file is never overwritten',
    'On PostgreSQL (TESSERA_DATABASE_URL or --database) it refuses: back up with pg_dump.',
  ].join('\n'),
  options: { out: { type: 'string' } },
  async run(inv) {
    const file = inv.args.out as string | undefined;
    if (file === undefined || file === '') return inv.usage('--out FILE is required');
    const result = await withServices(inv, (s) => backupDatabase(s, file, cliActor()));
    const out = (line: string) => inv.io.stdout.write(`${line}\n`);
    out(`Backup written to ${result.file} (${result.bytes} bytes, audit log through entry #${result.throughSeq}).`);
    const keyWhere = inv.env.TESSERA_MASTER_KEY ? 'TESSERA_MASTER_KEY' : path.join(inv.dataDir, MASTER_KEY_FILE);
    out(`Remember: the master key (${keyWhere}) is NOT in the backup. Keep a copy of it separately;`);
    out('without it the backup cannot be opened, and whoever has both can read every sealed secret.');
    return 0;
  },
};
