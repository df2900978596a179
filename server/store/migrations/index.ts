import { sql as initial } from './0001_initial';

/** Ordered schema migrations; the position + 1 is the schema version (PRAGMA user_version). */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [{ name: '0001_initial', sql: initial }];
