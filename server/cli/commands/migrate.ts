import { dbPath } from '../../runtime/dataDir';
import { migrateDatabase } from '../../services/databaseState';
import { TesseraError } from '../../../shared/errors';
import type { Command } from '../command';
import { maskDatabaseUrl } from '../database';
import fs from 'node:fs';

export const migrate: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date (what serve does on start), saying from which version to which',
  synopsis: '',
  help: [
    'Upgrades the SQLite file in the data folder, or the PostgreSQL database of --database /',
    'TESSERA_DATABASE_URL (one node migrates; others started meanwhile wait for it). Needs no',
    'master key and never creates a SQLite database. Safe to rerun: an up-to-date schema is left alone.',
  ].join('\n'),
  options: {},
  async run(inv) {
    const url = inv.databaseUrl;
    const location = url ?? dbPath(inv.dataDir);
    if (url === null && !fs.existsSync(location)) {
      throw new TesseraError('not_found', `No Tessera database in ${inv.dataDir}: run "tessera init" first, or pass --data DIR`);
    }
    const shown = url === null ? location : maskDatabaseUrl(url);
    const kind = url === null ? 'SQLite' : 'PostgreSQL';
    const { from, to } = migrateDatabase(location);
    inv.io.stdout.write(
      from === to
        ? `Schema already up to date: version ${to} (${kind}, ${shown}). Nothing was changed.\n`
        : `Migrated the schema from version ${from} to ${to} (${kind}, ${shown}).\n`,
    );
    return 0;
  },
};
