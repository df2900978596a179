import { BASE_DN, BIND_DN, BIND_PASSWORD, slapdAvailable, startSlapd, type TestSlapd } from '../server/testing/slapd';
import { expect, openConsoleAsAdmin, shot, test } from './support/console';

/**
 * Issue 15 in the console: an admin connects Tessera to a real OpenLDAP
 * (Debian's slapd, started here on a loopback port), tests the connection,
 * previews a sync, applies it as a job, and finds the directory's users in
 * the Users list with their badge; then one leaves the directory and the next
 * sync disables them.
 */

const USERS = 40;
let slapd: TestSlapd;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.skip(!slapdAvailable(), 'slapd is not installed (apt-get install slapd)');
  slapd = await startSlapd({ users: USERS });
});
test.afterAll(async () => {
  await slapd?.stop();
});

test('admin connects the directory, tests, previews and applies a sync; the users arrive with a Directory badge; a leaver is disabled', async ({ page }) => {
  test.setTimeout(180_000);
  await openConsoleAsAdmin(page, '/directory');
  await expect(page.getByRole('heading', { name: 'Directory', level: 2 })).toBeVisible();
  await page.getByRole('link', { name: 'Directory' }).waitFor();
  await shot(page, 'directory-empty');

  // The schema's messages, in words, before anything is sent.
  await page.getByLabel('Server URL').fill('http://example.org');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('URL must be ldap://host[:port] or ldaps://host[:port]')).toBeVisible();
  await expect(page.getByText('Bind DN must not be empty')).toBeVisible();
  await shot(page, 'directory-field-errors');

  // The connection to the test slapd: plain LDAP (allowed: 127.0.0.1), OpenLDAP preset.
  await page.getByLabel('Server URL').fill(slapd.url);
  await page.getByLabel('TLS', { exact: true }).first().click();
  await page.getByRole('option', { name: /None/ }).click();
  await page.getByLabel('Bind DN').fill(BIND_DN);
  await page.getByLabel('Bind password', { exact: true }).fill(BIND_PASSWORD);
  await page.getByLabel('Base DN').fill(BASE_DN);
  await page.getByLabel('Directory type').first().click();
  await page.getByRole('option', { name: /OpenLDAP/ }).click();
  await expect(page.getByLabel('User filter')).toHaveValue('(objectClass=inetOrgPerson)');
  await expect(page.getByTestId('directory-attribute-map')).toContainText('uid');

  await page.getByRole('button', { name: 'Test connection' }).click();
  const tested = page.getByTestId('directory-test-result');
  await expect(tested).toContainText(`${USERS} users found`);
  await expect(tested).toContainText('user00001');
  await shot(page, 'directory-tested');

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Directory settings saved')).toBeVisible();
  await expect(page.getByLabel('Bind password', { exact: true })).toHaveValue('');
  await expect(page.getByText('A password is stored. Leave empty to keep it.')).toBeVisible();

  // The dry run: everyone would be added, nothing disabled.
  await page.getByRole('button', { name: 'Preview sync' }).click();
  const plan = page.getByTestId('directory-plan');
  await expect(plan).toContainText(`${USERS} added`);
  await expect(plan).toContainText('0 disabled');
  await expect(plan.getByRole('cell', { name: 'user00001', exact: true })).toBeVisible();
  await shot(page, 'directory-preview');

  await page.getByRole('button', { name: 'Apply sync' }).click();
  const summary = page.getByTestId('directory-summary');
  await expect(summary).toContainText('Sync finished', { timeout: 60_000 });
  await expect(summary).toContainText(`${USERS} added`);
  await expect(page.getByTestId('directory-last-sync')).toContainText(`${USERS} added`);
  await shot(page, 'directory-applied');

  // The Users list: the directory's users with their badge.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByPlaceholder('Search by username, name or email').fill('user0000');
  await expect(page.getByText('9 users match')).toBeVisible();
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'user00001', exact: true }) });
  await expect(row).toContainText('Directory');
  await expect(row).toContainText('User 1');
  await shot(page, 'directory-users');

  // Their details are the directory's: read-only in Edit details.
  await row.getByRole('link', { name: 'user00001', exact: true }).click();
  await expect(page).toHaveURL(/\/users\/user00001$/);
  await expect(page.getByTestId('user-from-directory')).toBeVisible();
  await page.getByRole('button', { name: 'More actions' }).click();
  await page.getByRole('menuitem', { name: 'Edit details' }).click();
  await expect(page.getByLabel('Display name')).toBeDisabled();
  await expect(page.getByText('From the directory: change it there; the next sync brings it here.').first()).toBeVisible();
  await shot(page, 'directory-user-edit');
  await page.keyboard.press('Escape');

  // A leaver: gone from the directory, disabled by the next sync (1 of 40: under the guard).
  const admin = await slapd.admin();
  try {
    await admin.del(slapd.dnOf('user00002'));
  } finally {
    await admin.unbind();
  }
  await page.getByRole('link', { name: 'Directory' }).click();
  await page.getByRole('button', { name: 'Preview sync' }).click();
  await expect(plan).toContainText('1 disabled');
  await expect(plan.getByRole('cell', { name: 'Gone from the directory' })).toBeVisible();
  await shot(page, 'directory-preview-leaver');
  await page.getByRole('button', { name: 'Apply sync' }).click();
  await expect(summary).toContainText('1 disabled', { timeout: 60_000 });

  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByPlaceholder('Search by username, name or email').fill('user00002');
  await expect(page.getByRole('link', { name: 'user00001', exact: true })).toHaveCount(0);
  const leaver = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'user00002', exact: true }) });
  await expect(leaver).toContainText('Disabled');
  await shot(page, 'directory-users-leaver');
});
