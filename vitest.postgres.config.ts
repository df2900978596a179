import { defineConfig } from 'vitest/config';

/**
 * The REST suite and the multi-node tests again, on PostgreSQL (issue 17):
 * the same tests, the same real HTTP, one real cluster started by the global
 * setup, a database per test server. `npm run test:unit` runs this after the
 * SQLite run.
 */
export default defineConfig({
  test: {
    include: ['server/api/rest.*.test.ts', 'server/api/consoleLoginRace.test.ts', 'server/multinode/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['server/testing/postgresGlobalSetup.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
  },
});
