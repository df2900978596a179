import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E_PASSWORD, expect, freshCodeAfter, readQrUri, shot, test } from './support/console';
import { REPO_ROOT, startServerProcess, type ServerProcess } from './support/server';

/**
 * First run, on a server of its own with a fresh data dir (the shared e2e
 * server's setup may already have been used by another spec): the one-time
 * link creates the first admin, who enrolls their own TOTP by scanning the QR.
 */
let server: ServerProcess;

test.beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-setup-'));
  server = await startServerProcess({ dataDir, logFile: path.join(REPO_ROOT, 'e2e', 'artifacts', 'setup-server.log') });
  expect(server.setupUrl, 'serve prints a setup link on a fresh data dir').toBeTruthy();
});

test.afterAll(async () => {
  await server?.stop();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const linkOf = () => `${server.url}/setup?token=${new URL(server.setupUrl!).searchParams.get('token')}`;

test('without the link, or with a wrong one, the setup page says what to do', async ({ page }) => {
  await page.goto(`${server.url}/setup`);
  await expect(page.getByRole('alert')).toContainText('This page needs the setup link');
  await shot(page, 'setup-no-token');

  await page.goto(`${server.url}/setup?token=${'x'.repeat(43)}`);
  await expect(page.getByRole('alert')).toContainText('This setup link has expired or was already used');
  await expect(page.getByRole('alert')).toContainText('tessera init');
  await shot(page, 'setup-link-invalid');
});

test('the setup link creates the first admin, who scans the QR and is signed in', async ({ page }) => {
  await page.goto(linkOf());
  await expect(page.getByRole('heading', { name: 'Set up Tessera' })).toBeVisible();
  await expect(page.getByText('Step 1 of 2')).toBeVisible();

  // The form checks with the shared schemas, the server with its password rules.
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('Username must not be empty')).toBeVisible();
  await page.getByLabel('Username').fill('root-admin');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('short pw');
  await page.getByLabel('Repeat password').fill('short pw');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(E2E_PASSWORD);
  await page.getByLabel('Repeat password').fill(`${E2E_PASSWORD}!`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('The two passwords are not the same')).toBeVisible();
  await page.getByLabel('Repeat password').fill(E2E_PASSWORD);
  await page.getByLabel('Display name').fill('Rita Root');
  await shot(page, 'setup-1-account');
  await page.getByRole('button', { name: 'Continue' }).click();

  // Step 2: the QR encodes the same secret as the text for manual entry.
  await expect(page.getByRole('heading', { name: 'Add your authenticator' })).toBeVisible();
  const uri = await readQrUri(page);
  const shown = ((await page.getByTestId('otp-secret').textContent()) ?? '').replace(/\s+/g, '');
  expect(shown).toMatch(/^[A-Z2-7]{32}$/);
  const parsed = new URL(uri);
  expect(parsed.protocol).toBe('otpauth:');
  expect(parsed.host).toBe('totp');
  expect(decodeURIComponent(parsed.pathname)).toContain('root-admin');
  expect(parsed.searchParams.get('secret')).toBe(shown);
  expect(parsed.searchParams.get('issuer')).toBeTruthy();
  await expect(page.getByText(/Google Authenticator.*ignore the algorithm/)).toBeVisible();
  await shot(page, 'setup-2-enroll');

  // A wrong code is refused with a clear message; the right one signs in.
  await page.getByLabel('6-digit code').fill('000000');
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  await shot(page, 'setup-2-wrong-code');
  const { code } = await freshCodeAfter(parsed.searchParams.get('secret')!, 0);
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('banner')).toContainText('Rita Root');
  await expect(page.getByRole('banner')).toContainText('Administrator');

  // The link worked once.
  await page.context().clearCookies();
  await page.goto(linkOf());
  await expect(page.getByRole('alert')).toContainText('Tessera is already set up');
  await shot(page, 'setup-link-used');
});
