import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'shared/**/*.test.ts', 'build/**/*.test.ts'],
    testTimeout: 30000,
  },
});
