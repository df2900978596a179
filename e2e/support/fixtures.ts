import { test as base, expect } from '@playwright/test';

/** The server global-setup.ts started, e.g. `http://127.0.0.1:41234`. */
export function tesseraUrl(): string {
  const url = process.env.TESSERA_E2E_URL;
  if (!url) throw new Error('TESSERA_E2E_URL is not set: run the specs with `npx playwright test` (its globalSetup starts the server)');
  return url;
}

/** Playwright's `test` with `baseURL` pointing at the e2e server, so `page.goto('/')` works. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(tesseraUrl());
  },
});

export { expect };
export { shot } from './shot';
