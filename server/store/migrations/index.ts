import { sql as initial } from './0001_initial';
import { sql as consoleTables } from './0002_console';

/** Ordered schema migrations; the position + 1 is the schema version (PRAGMA user_version). */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  { name: '0001_initial', sql: initial },
  { name: '0002_console', sql: consoleTables },
];
