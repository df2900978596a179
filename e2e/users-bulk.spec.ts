import type { Page } from '@playwright/test';
import {
  createApiKey,
  createOperator,
  openConsoleAs,
  trpc,
  createUsers,
  expect,
  openConsoleAsAdmin,
  provisionTotpUser,
  rest,
  sessionFor,
  setupFirstAdmin,
  shot,
  test,
  trpcOk,
  uniqueName,
  type OperatorCreds,
} from './support/console';

/**
 * Issue 18, the users list as helpdesk and IT staff use it: search that
 * ignores accents and case both ways, the locked filter (held in the
 * address), a status column, sorting by the column headers, and actions on
 * a selection — a lost-device reset with a typed confirmation, enrollment
 * sheets through the batch job, disable and enable.
 */
test.describe.configure({ mode: 'serial' });

const tag = uniqueName('bulk');
const u = (name: string) => `${tag}-${name}`;
let admin: OperatorCreds;
let key: string;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  admin = await setupFirstAdmin(page);
  await page.close();
  key = await createApiKey(admin, ['verify', 'provision']);
  // Created in this order (the Created sort checks it); three with an authenticator app.
  await provisionTotpUser(key, u('chloe'), { displayName: 'Chloé Dubois', email: `chloe@${tag}.example` });
  await provisionTotpUser(key, u('muller'), { displayName: 'Jürgen Müller', email: `juergen@${tag}.example` });
  await provisionTotpUser(key, u('soren'), { displayName: 'Søren Ødegård', email: `soren@${tag}.example` });
  await createUsers(admin, [{ username: u('ann'), displayName: 'Ann Plain', email: `ann@${tag}.example` }]);
});

const table = (page: Page) => page.getByTestId('users-scroll');
const row = (page: Page, name: string) =>
  table(page)
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: u(name), exact: true }) });
/** The usernames of the rows on screen, top to bottom. */
const shownUsers = (page: Page) => table(page).locator('tbody tr a').allTextContents();

test('search ignores accents and case both ways', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users');
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await search.pressSequentially('chloe dubois', { delay: 20 });
  await expect(row(page, 'chloe')).toBeVisible();
  await expect(page.getByTestId('users-count')).toHaveText('1 user match');
  await search.fill('MULLER');
  await expect(row(page, 'muller')).toBeVisible();
  await search.fill('søren ødegård');
  await expect(row(page, 'soren')).toBeVisible();
  await search.fill('SOREN ODEGARD');
  await expect(row(page, 'soren')).toBeVisible();
  await expect(page.getByTestId('users-count')).toHaveText('1 user match');
  await shot(page, 'users-search-accents');
});

test('a locked user shows "Locked until hh:mm", and the Locked filter lists them (the address holds it)', async ({ page }) => {
  const session = await sessionFor(admin);
  // Lock quickly: five wrong codes in a row, with no delay before the lock.
  await trpcOk(session, 'settings.update', { throttleFreeAttempts: 4, throttleLockAfter: 5 });
  try {
    for (let i = 0; i < 5; i++) expect((await rest(key, 'POST', '/verify', { user: u('muller'), code: '000000' })).json.ok).toBe(false);
  } finally {
    await trpcOk(session, 'settings.update', { throttleFreeAttempts: 3, throttleLockAfter: 10 });
  }

  await openConsoleAsAdmin(page, `/users?q=${tag}.example`);
  await expect(row(page, 'muller')).toContainText(/Locked until \d\d:\d\d/);
  await expect(row(page, 'chloe')).toContainText('Active');
  await expect(row(page, 'ann')).toContainText('No factor');
  await expect(row(page, 'ann')).toContainText('Never');
  await page.getByRole('switch', { name: 'Locked or throttled' }).check();
  await expect(page).toHaveURL(/locked=1/);
  await expect(page.getByTestId('users-count')).toHaveText('1 user match');
  expect(await shownUsers(page)).toEqual([u('muller')]);
  await shot(page, 'users-locked-filter');
  await page.reload();
  await expect(page.getByRole('switch', { name: 'Locked or throttled' })).toBeChecked();
  expect(await shownUsers(page)).toEqual([u('muller')]);
});

test('the column headers sort the list, on the server, and say which way', async ({ page }) => {
  await openConsoleAsAdmin(page, `/users?q=${tag}.example`);
  await expect(row(page, 'ann')).toBeVisible();
  expect(await shownUsers(page)).toEqual([u('ann'), u('chloe'), u('muller'), u('soren')]);
  const header = (name: string) => page.getByRole('columnheader', { name });
  await header('Created').getByRole('button').click();
  await expect(page).toHaveURL(/sort=created/);
  await expect(header('Created')).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(() => shownUsers(page)).toEqual([u('ann'), u('soren'), u('muller'), u('chloe')]);
  await header('Created').getByRole('button').click();
  await expect(header('Created')).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(() => shownUsers(page)).toEqual([u('chloe'), u('muller'), u('soren'), u('ann')]);
  // Display names, folded: Ann, Chloé, Jürgen, Søren.
  await header('Display name').getByRole('button').click();
  await expect.poll(() => shownUsers(page)).toEqual([u('ann'), u('chloe'), u('muller'), u('soren')]);
  await header('Display name').getByRole('button').click();
  await expect.poll(() => shownUsers(page)).toEqual([u('soren'), u('muller'), u('chloe'), u('ann')]);
  await expect(header('Display name')).toHaveAttribute('aria-sort', 'descending');
  await shot(page, 'users-sorted');
});

test('a lost-device reset of a selection asks for the count to be typed, then resets each user', async ({ page }) => {
  await openConsoleAsAdmin(page, `/users?q=${tag}.example`);
  await row(page, 'chloe').getByRole('checkbox').check();
  await row(page, 'soren').getByRole('checkbox').check();
  await expect(page.getByTestId('users-selected')).toHaveText('2 selected users');
  await page.getByRole('button', { name: 'Reset lost device…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reset the lost devices of 2 selected users?' });
  await expect(dialog.getByTestId('bulk-names')).toContainText(u('chloe'));
  await expect(dialog.getByTestId('bulk-names')).toContainText(u('soren'));
  await dialog.getByLabel('Reason').fill('ticket 4711: phones stolen on the trip');
  await dialog.getByRole('button', { name: 'Reset 2 users' }).click();
  // Not sent without the typed confirmation: the box says what to type, and is marked wrong.
  await expect(dialog.getByLabel(/to confirm/)).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByText('Type reset 2 users to confirm')).toHaveCount(2); // the label, and the error under the box
  await dialog.getByLabel(/to confirm/).fill('reset 2 users');
  await shot(page, 'users-bulk-reset-confirm');
  await dialog.getByRole('button', { name: 'Reset 2 users' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('2 users reset')).toBeVisible();
  await expect(row(page, 'chloe')).toContainText('No factor');
  await expect(row(page, 'soren')).toContainText('No factor');
  await expect(row(page, 'muller')).toContainText('Locked until');
  await expect(page.getByTestId('users-selected')).toBeHidden();
  await shot(page, 'users-bulk-reset-done');

  // Each user's page shows the reset with the reason.
  await row(page, 'chloe').getByRole('link').click();
  await expect(page.getByTestId('user-activity').getByRole('row', { name: /Lost device reset/ })).toContainText('ticket 4711');
});

test('enrollment sheets for a selection: a dry run, the batch job, the PDF', async ({ page }) => {
  await openConsoleAsAdmin(page, `/users?q=${tag}.example`);
  for (const name of ['chloe', 'soren', 'ann']) await row(page, name).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Print sheets…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Enrollment sheets for 3 selected users' });
  await expect(dialog.getByTestId('bulk-sheets-plan')).toContainText('3 sheets to print');
  await shot(page, 'users-bulk-sheets-plan');
  await dialog.getByRole('button', { name: 'Generate 3 sheets' }).click();
  await expect(dialog.getByText('3 sheets ready')).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download PDF' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^enrollment-sheets-\d{4}-\d{2}-\d{2}-3\.pdf$/);
  await shot(page, 'users-bulk-sheets-ready');
  await dialog.getByRole('button', { name: 'Close' }).click();
  // Each now holds an unscanned sheet: a pending factor, so still "No factor".
  await expect(row(page, 'ann')).toContainText('No factor');
});

test('disable and enable a selection (admins): sign-ins refused, then allowed', async ({ page }) => {
  await openConsoleAsAdmin(page, `/users?q=${tag}.example`);
  await row(page, 'ann').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Disable…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Disable 1 selected user?' });
  await dialog.getByLabel('Reason').fill('on leave until March');
  await dialog.getByRole('button', { name: 'Disable 1 user' }).click();
  await expect(row(page, 'ann')).toContainText('Disabled');
  await shot(page, 'users-bulk-disabled');
  await row(page, 'ann').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Enable…' }).click();
  const enable = page.getByRole('dialog', { name: 'Enable 1 selected user?' });
  await enable.getByLabel('Reason').fill('back from leave');
  await enable.getByRole('button', { name: 'Enable 1 user' }).click();
  await expect(row(page, 'ann')).toContainText('No factor');
});

test('helpdesk may reset a selection but not disable it: the bar offers only the reset, the server refuses the rest', async ({ page }) => {
  const helpdesk = await createOperator(admin, 'helpdesk');
  await openConsoleAs(page, helpdesk, `/users?q=${tag}.example`);
  await row(page, 'muller').getByRole('checkbox').check();
  await expect(page.getByRole('button', { name: 'Reset lost device…' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disable…' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Print sheets…' })).toHaveCount(0);
  await shot(page, 'users-bulk-helpdesk');
  const refused = await trpc(await sessionFor(helpdesk), 'users.bulkDisable', { usernames: [u('muller')], reason: 'not mine to do' });
  expect(refused.status).toBe(403);
  await expect(row(page, 'muller')).toContainText('Locked until');
});
