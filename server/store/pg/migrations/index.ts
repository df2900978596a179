import { sql as initial } from './0001_initial';
import { sql as sharedState } from './0002_shared_state';
import { sql as consoleJobs } from './0003_jobs';

/**
 * Ordered PostgreSQL schema migrations (the engine records them in
 * tessera_migrations). The PG schema starts at SQLite's schema 15 as one
 * migration; every later schema change is added to both lists, this one and
 * server/store/migrations/index.ts, so the two schemas stay the same.
 */
export const PG_MIGRATIONS: readonly { name: string; sql: string }[] = [
  { name: '0001_initial', sql: initial },
  { name: '0002_shared_state', sql: sharedState },
  { name: '0003_jobs', sql: consoleJobs },
];
