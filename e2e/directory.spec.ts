import { BASE_DN, BIND_DN, BIND_PASSWORD, slapdAvailable, startSlapd, type TestSlapd } from '../server/testing/slapd';
import { createApiKey, expect, openConsoleAsAdmin, rest, shot, test, totpCode } from './support/console';

/**
 * Issue 15 in the console: an admin connects Tessera to a real OpenLDAP
 * (Debian's slapd, started here on a loopback port), tests the connection,
 * previews a sync, applies it as a job, and finds the directory's users in
 * the Users list with their badge; then one leaves the directory and the next
 * sync disables them. Then the admin edits the attribute map, the search page
 * size and the operator role mapping (field errors in words first), and runs
 * a rollout for a directory group: exactly its members without a factor get
 * a sheet.
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
  await expect(page.getByRole('heading', { name: 'Directory', level: 1 })).toBeVisible();
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
  await expect(page.getByLabel('Username attribute')).toHaveValue('uid');
  await expect(page.getByLabel('Display name attribute')).toHaveValue('cn');

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

test('admin edits the attribute map, the page size and the role mapping; wrong values are refused field by field in words', async ({ page }) => {
  test.setTimeout(90_000);
  await openConsoleAsAdmin(page, '/directory');
  await expect(page.getByLabel('Server URL')).toHaveValue(slapd.url);

  // Wrong first: each field says what is wrong, nothing is saved.
  await page.getByLabel('Email attribute').fill('e mail');
  await page.getByLabel('Search page size').fill('5');
  await page.getByRole('button', { name: 'Add a line' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('An attribute name is letters, digits and dashes (e.g. sAMAccountName)')).toBeVisible();
  await expect(page.getByText('Page size must be at least 10')).toBeVisible();
  await expect(page.getByText('Group must not be empty')).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'directory-map-errors');

  // Then right: a custom map (the phone from telephoneNumber), pages of 100, helpdesk by group name, admins by exact DN.
  await page.getByLabel('Email attribute').fill('mail');
  await page.getByLabel('Phone attribute').fill('telephoneNumber');
  await expect(page.getByLabel('Directory type').first()).toHaveValue('');
  await page.getByLabel('Search page size').fill('100');
  await page.getByLabel('Group of line 1').fill('helpdesk');
  await page.getByLabel('Role of line 1').first().click();
  await page.getByRole('option', { name: 'Helpdesk' }).click();
  await page.getByRole('button', { name: 'Add a line' }).click();
  await page.getByLabel('Group of line 2').fill(`cn=admins,ou=groups,${BASE_DN}`);
  await page.getByLabel('Role of line 2').first().click();
  await page.getByRole('option', { name: 'Administrator' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Directory settings saved')).toBeVisible();

  // What is stored is what the page shows after a reload.
  await page.reload();
  await expect(page.getByLabel('Phone attribute')).toHaveValue('telephoneNumber');
  await expect(page.getByLabel('Search page size')).toHaveValue('100');
  await expect(page.getByLabel('Group of line 1')).toHaveValue('helpdesk');
  await expect(page.getByLabel('Role of line 2').first()).toHaveValue('Administrator');
  await expect(page.getByLabel('Group of line 2')).toHaveValue(`cn=admins,ou=groups,${BASE_DN}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'directory-map-roles');
});

test('rollout for a directory group: the group is picked by typeahead with its count, and exactly its members without a factor get a sheet', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const admin = await openConsoleAsAdmin(page, '/rollout');
  // vpn-users: every third user (13 of 40); one of them already has an authenticator app.
  const key = await createApiKey(admin, ['verify', 'provision']);
  const f = await rest(key, 'POST', '/users/user00003/factors', { type: 'totp' });
  expect(f.status, JSON.stringify(f.json)).toBe(201);
  const c = await rest(key, 'POST', `/users/user00003/factors/${f.json.id}/confirm`, { code: totpCode(f.json.secret, Date.now() - 30_000) });
  expect(c.status, JSON.stringify(c.json)).toBe(200);
  await page.reload();

  await page.getByText('A directory group', { exact: true }).click({ timeout: 10_000 });
  await page.getByRole('combobox', { name: 'Directory group' }).fill('vpn', { timeout: 10_000 });
  const option = page.getByRole('option', { name: /vpn-users/ });
  await expect(option).toContainText('12 without a factor');
  await expect(page.getByRole('option', { name: /staff/ })).toHaveCount(0);
  await shot(page, 'rollout-group-typeahead');
  await option.click({ timeout: 10_000 });
  await expect(page.getByTestId('rollout-group-count')).toHaveText(
    '12 users in vpn-users have no active factor (of 13 enabled members): the dry run plans a sheet for each.',
  );

  await page.getByRole('button', { name: 'Dry run' }).click({ timeout: 10_000 });
  const plan = page.getByTestId('rollout-plan');
  await expect(plan.getByText('12 sheets to print')).toBeVisible();
  await expect(plan.getByText('0 skipped')).toBeVisible();
  await expect(page.getByTestId('rollout-gets').getByText('user00006', { exact: true })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'rollout-group-dry-run');

  await page.getByRole('button', { name: 'Generate 12 sheets' }).click({ timeout: 10_000 });
  await page.getByRole('dialog').getByRole('button', { name: 'Generate', exact: true }).click({ timeout: 10_000 });
  await expect(page.getByText('12 sheets ready')).toBeVisible({ timeout: 30_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'rollout-group-done');

  // Exactly the group's members without a factor: a vpn user has a pending sheet; one outside the group, and the one with an app, have none.
  const pending = async (u: string) =>
    ((await rest(key, 'GET', `/users/${u}`)).json.factors as { status: string }[]).filter((x) => x.status === 'pending').length;
  expect(await pending('user00006')).toBe(1);
  expect(await pending('user00039')).toBe(1);
  expect(await pending('user00001')).toBe(0);
  expect(await pending('user00003')).toBe(0);
});
