import { defineConfig } from 'vitest/config';

/**
 * Two projects in one run (one pool of workers):
 * - sqlite: every test, on SQLite (the default store);
 * - postgres: the REST suite, the console sign-in race and the multi-node
 *   tests again on PostgreSQL (issue 17), one real cluster started by the
 *   global setup, a database per test server (server/testing/testDatabase.ts).
 * `npx vitest run --project postgres <files>` runs one side.
 */
export const POSTGRES_SUITE = ['server/api/rest.*.test.ts', 'server/api/consoleLoginRace.test.ts', 'server/multinode/**/*.test.ts'];

export default defineConfig({
  test: {
    // e2e/ is Playwright's (npm run test:e2e), never Vitest's.
    exclude: ['**/node_modules/**', '**/dist/**', 'e2e/**'],
    testTimeout: 30000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: [
            'server/**/*.test.ts',
            'shared/**/*.test.ts',
            'build/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'electron/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: POSTGRES_SUITE,
          globalSetup: ['server/testing/postgresGlobalSetup.ts'],
          testTimeout: 60000,
          hookTimeout: 60000,
        },
      },
    ],
  },
});
