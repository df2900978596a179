import fs from 'node:fs';
import { TesseraError } from '../../shared/errors';
import { unwrapDataKey } from '../core/crypto/seal';
import { Db, isPostgresUrl } from '../store/index';
import { MIGRATIONS } from '../store/migrations/index';
import { PG_MIGRATIONS } from '../store/pg/migrations/index';
import { KeysRepo } from '../store/repos/keys';

/** What the CLI checks before it opens (or joins) a database: read without migrating or creating anything. */
export interface DatabaseState {
  dialect: 'sqlite' | 'postgres';
  /** The schema version the database is at (0: empty). */
  schemaVersion: number;
  /** The version this Tessera brings it to. */
  latestVersion: number;
  /** It holds wrapped data keys: some node already initialised it with its master key. */
  hasKeys: boolean;
  /** Whether `masterKey` unwraps every stored data key; null without keys or without a key to try. */
  keyOpens: boolean | null;
}

function latestVersion(location: string): number {
  return isPostgresUrl(location) ? PG_MIGRATIONS.length : MIGRATIONS.length;
}

/**
 * Looks at the database at `location` (a SQLite file or a postgres:// URL)
 * without migrating it. A SQLite file that is not there is "schema 0".
 */
export function inspectDatabase(location: string, masterKey?: Buffer): DatabaseState {
  const dialect = isPostgresUrl(location) ? 'postgres' : 'sqlite';
  const latest = latestVersion(location);
  if (dialect === 'sqlite' && !fs.existsSync(location)) return { dialect, schemaVersion: 0, latestVersion: latest, hasKeys: false, keyOpens: null };
  const db = dialect === 'postgres' ? Db.postgres(location, { migrate: false, applicationName: 'tessera-cli' }) : Db.open(location, { readonly: true });
  try {
    const schemaVersion = db.schemaVersion();
    // data_keys exists from the first schema version on, in both dialects.
    const rows = schemaVersion > 0 ? db.read(() => new KeysRepo(db).dataKeys()) : [];
    let keyOpens: boolean | null = null;
    if (rows.length > 0 && masterKey) {
      keyOpens = rows.every((row) => {
        try {
          unwrapDataKey(masterKey, row.wrapped);
          return true;
        } catch {
          return false;
        }
      });
    }
    return { dialect, schemaVersion, latestVersion: latest, hasKeys: rows.length > 0, keyOpens };
  } finally {
    db.close();
  }
}

/** Brings the schema at `location` up to date (what opening it does): the version before and after. */
export function migrateDatabase(location: string): { dialect: 'sqlite' | 'postgres'; from: number; to: number } {
  if (!isPostgresUrl(location) && !fs.existsSync(location)) throw new TesseraError('not_found', `No Tessera database at ${location}`);
  const before = inspectDatabase(location);
  if (before.schemaVersion > before.latestVersion) {
    throw new TesseraError(
      'conflict',
      `This database was written by a newer Tessera (schema ${before.schemaVersion}; this one knows up to ${before.latestVersion}): upgrade Tessera to open it`,
    );
  }
  const db = Db.open(location);
  try {
    return { dialect: before.dialect, from: before.schemaVersion, to: db.schemaVersion() };
  } finally {
    db.close();
  }
}
