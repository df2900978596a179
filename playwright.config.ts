import { defineConfig } from '@playwright/test';
import { requireChromium } from './e2e/support/browser';

/**
 * End-to-end tests in Chromium against a real Tessera server
 * (e2e/support/global-setup.ts starts `tessera serve` on a free loopback port
 * with a fresh data dir). Chromium: Debian's /usr/bin/chromium if present,
 * else Playwright's own download, else one line on stderr and exit 1.
 * Screenshots taken with `shot(page, name)` go to e2e/artifacts/screens/.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'e2e/artifacts/test-results',
  globalSetup: './e2e/support/global-setup.ts',
  globalTeardown: './e2e/support/global-teardown.ts',
  workers: 1, // 2 cores: one for the server, one for the browser
  fullyParallel: false,
  retries: 0,
  reporter: 'list',
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: requireChromium(),
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
