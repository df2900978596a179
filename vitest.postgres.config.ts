import { defineConfig } from 'vitest/config';
import { POSTGRES_SUITE } from './vitest.config';

/** The PostgreSQL project alone (`npx vitest run -c vitest.postgres.config.ts [files]`): see vitest.config.ts. */
export default defineConfig({
  test: {
    include: POSTGRES_SUITE,
    exclude: ['**/node_modules/**'],
    globalSetup: ['server/testing/postgresGlobalSetup.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
  },
});
