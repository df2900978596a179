import type Database from 'better-sqlite3';
import { sql as initial } from './0001_initial';
import { sql as consoleTables } from './0002_console';
import { sql as auditIndexes } from './0003_audit_indexes';
import { sql as userSearch } from './0004_user_search';
import { sql as auditUserKey } from './0005_audit_user_key';
import { sql as webauthn } from './0006_webauthn';
import { sql as loginPhantoms } from './0007_login_phantoms';
import { sql as userSearchWalk } from './0008_user_search_walk';
import { sql as usernameSkeleton } from './0009_username_skeleton';
import { sql as deliveredCodes } from './0010_delivered_codes';
import { sql as rememberedDevices } from './0011_remembered_devices';
import { sql as directory } from './0012_directory';
import { sql as radius } from './0013_radius';
import { sql as operatorPasswords } from './0014_operator_passwords';
import { backfill as searchFoldBackfill, sql as searchFold } from './0015_search_fold';
import { sql as sharedState } from './0016_shared_state';
import { sql as consoleJobs } from './0017_jobs';

/**
 * Ordered schema migrations; the position + 1 is the schema version (PRAGMA user_version).
 * A migration whose new columns are made by code (folded text) has a backfill, run after its SQL in the same transaction.
 */
export const MIGRATIONS: readonly { name: string; sql: string; backfill?: (db: Database.Database) => void }[] = [
  { name: '0001_initial', sql: initial },
  { name: '0002_console', sql: consoleTables },
  { name: '0003_audit_indexes', sql: auditIndexes },
  { name: '0004_user_search', sql: userSearch },
  { name: '0005_audit_user_key', sql: auditUserKey },
  { name: '0006_webauthn', sql: webauthn },
  { name: '0007_login_phantoms', sql: loginPhantoms },
  { name: '0008_user_search_walk', sql: userSearchWalk },
  { name: '0009_username_skeleton', sql: usernameSkeleton },
  { name: '0010_delivered_codes', sql: deliveredCodes },
  { name: '0011_remembered_devices', sql: rememberedDevices },
  { name: '0012_directory', sql: directory },
  { name: '0013_radius', sql: radius },
  { name: '0014_operator_passwords', sql: operatorPasswords },
  { name: '0015_search_fold', sql: searchFold, backfill: searchFoldBackfill },
  { name: '0016_shared_state', sql: sharedState },
  { name: '0017_jobs', sql: consoleJobs },
];
