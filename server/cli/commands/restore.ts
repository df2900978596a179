import { dbPath, ensureDataDir, loadMasterKey } from '../../runtime/dataDir';
import { restoreDatabase } from '../../services/backup';
import { TesseraError } from '../../../shared/errors';
import { cliActor, type Command } from '../command';

export const restore: Command = {
  name: 'restore',
  summary: 'replace the database with a backup (checked first; the current one is kept aside)',
  synopsis: 'FILE',
  help: [
    "The backup must be a Tessera database that this data folder's master key opens, pass",
    "SQLite's integrity check and have an audit log that verifies. Stop the server first:",
    'restore refuses while the database is open in another process. The current tessera.db',
    'is renamed to tessera.db.before-restore-<time>, never deleted. The audit anchor',
    "(audit.anchor) is moved to the restore's own audit entry, which records the anchor it",
    'replaced: restoring an older backup is a deliberate step back, not a silent rollback.',
    "SQLite only: a PostgreSQL database (--database) is restored with pg_restore / PostgreSQL's own tools.",
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  async run(inv) {
    const file = inv.positionals[0]!;
    if (inv.databaseUrl !== null) {
      throw new TesseraError(
        'bad_request',
        "tessera restore replaces the data folder's SQLite file; a PostgreSQL database is restored with PostgreSQL's own tools (pg_restore), with every node stopped",
      );
    }
    ensureDataDir(inv.dataDir);
    const { key } = loadMasterKey(inv.dataDir, { createIfNew: false, env: inv.env });
    const result = await restoreDatabase({ dbFile: dbPath(inv.dataDir), backupFile: file, masterKey: key, actor: cliActor() });
    const out = (line: string) => inv.io.stdout.write(`${line}\n`);
    out(`Checked ${file}: SQLite integrity ok, master key opens it, audit log verifies (${result.entries} entries).`);
    out(result.movedAside ? `Moved the previous database aside to ${result.movedAside}` : 'There was no previous database.');
    out(`Restored into ${dbPath(inv.dataDir)}; recorded as audit entry #${result.restoreSeq}.`);
    if (result.previousAnchorSeq !== null && result.previousAnchorSeq > result.entries) {
      out(`The audit log steps back: the anchor recorded entry #${result.previousAnchorSeq}, the backup ends at #${result.entries}.`);
      out(
        `Entries #${result.entries + 1}-#${result.previousAnchorSeq} of the replaced log are only in ${result.movedAside ?? 'the replaced database'}; the anchor now records #${result.restoreSeq}.`,
      );
    }
    return 0;
  },
};
