import {
  createApiKey,
  createUsers,
  expect,
  importUsersCsv,
  openConsoleAsAdmin,
  provisionTotpUser,
  setupFirstAdmin,
  shot,
  test,
  uniqueName,
} from './support/console';

/** A CSV of `n` users named `${prefix}-000001`…, with display names and emails. */
function bigCsv(prefix: string, n: number): string {
  const lines = ['username,email,display_name'];
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(6, '0');
    lines.push(`${prefix}-${id},${prefix}.${id}@bulk.example,Bulk User ${id}`);
  }
  return `${lines.join('\n')}\n`;
}

test.describe.configure({ mode: 'serial' });

test('search finds users by username, display name and email, instantly, over 100,000 users', async ({ page }) => {
  test.setTimeout(240_000);
  const admin = await setupFirstAdmin(page);
  const tag = uniqueName('srch');
  await createUsers(admin, [
    { username: `${tag}-zoe`, displayName: 'Zoë Ångström-Lindqvist', email: `zoe@${tag}.example` },
    { username: `${tag}-bob`, displayName: 'Bob Builder', email: `bob@${tag}.example` },
    {
      username: `${tag}-carol-with-a-very-long-username-that-keeps-going-and-going`,
      displayName: 'Carol Whose Display Name Is Also Remarkably Long For A Table Cell',
      email: `carol.with.a.long.address@${tag}.example`,
    },
  ]);
  const key = await createApiKey(admin, ['provision']);
  await provisionTotpUser(key, `${tag}-dave`, { displayName: 'Dave Enrolled', email: `dave@${tag}.example` });
  // 100,000 more, through the same import the console uses.
  const seeded = await importUsersCsv(admin, bigCsv('bulk', 100_000), { timeoutMs: 200_000 });
  expect(seeded.created + seeded.skipped).toBe(100_000);

  await openConsoleAsAdmin(page, '/users');
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await expect(search).toBeFocused();
  const table = page.getByTestId('users-scroll');
  await expect(table.getByRole('row')).not.toHaveCount(0);
  await expect(page.getByTestId('users-count')).toHaveText(/^1\d\d,\d{3} users$/);
  await shot(page, 'users-list');

  // By display name (with accents), typed like a person. Speed is bench/scale's job, not a test's.
  await search.pressSequentially('ångström', { delay: 20 });
  await expect(table.getByRole('link', { name: `${tag}-zoe` })).toBeVisible();
  await expect(page.getByTestId('users-count')).toHaveText('1 user match');
  await expect(page).toHaveURL(/q=%C3%A5ngstr%C3%B6m/);

  // By email domain: several users; long names are cut with an ellipsis, not wrapped over the row.
  await search.fill(`${tag}.example`);
  await expect(page.getByTestId('users-count')).toHaveText('4 users match');
  await expect(table.getByRole('row', { name: /Dave Enrolled/ })).toContainText('Active');
  await expect(table.getByRole('row', { name: /Bob Builder/ })).toContainText('No factor');
  await shot(page, 'users-search');

  // By a bulk user's number.
  await search.fill('Bulk User 099999');
  await expect(table.getByRole('link', { name: 'bulk-099999' })).toBeVisible();

  // Nothing matches: a clear empty state with a way back.
  await search.fill('no-such-user-anywhere');
  await expect(page.getByText('No users match “no-such-user-anywhere”')).toBeVisible();
  await shot(page, 'users-no-match');
  await page.getByRole('button', { name: 'Clear the search' }).click();
  await expect(search).toHaveValue('');

  // Keyboard: Tab from the search reaches the filters, the select-all box, the sortable headers,
  // then the first user's box and name; Enter opens them.
  await search.fill(`${tag}-bob`);
  await expect(page.getByTestId('users-count')).toHaveText('1 user match');
  await search.focus();
  const tabTo = async (target: import('@playwright/test').Locator) => {
    await page.keyboard.press('Tab');
    await expect(target).toBeFocused();
  };
  await tabTo(page.getByRole('switch', { name: 'Only users without an active factor' }));
  await tabTo(page.getByRole('switch', { name: 'Locked or throttled' }));
  await tabTo(table.getByRole('checkbox', { name: 'Select every loaded user' }));
  for (const header of ['Username', 'Display name', 'Last sign-in', 'Created']) await tabTo(table.getByRole('button', { name: header }));
  await tabTo(table.getByRole('checkbox', { name: `Select ${tag}-bob` }));
  await tabTo(table.getByRole('link', { name: `${tag}-bob` }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/users/${tag}-bob$`));
  await expect(page.getByRole('heading', { name: 'Bob Builder' })).toBeVisible();
});

test('scrolling the virtualised list loads more pages and keeps the DOM small', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users?q=bulk-0');
  const table = page.getByTestId('users-scroll');
  await expect(table.getByRole('link', { name: 'bulk-000001' })).toBeVisible();
  for (let i = 0; i < 6; i++) {
    await table.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForTimeout(250);
  }
  await expect(page.getByTestId('users-count')).toHaveText(/^[3-9]\d\d\+ users match$/);
  expect(await table.locator('tbody tr').count(), 'only the rows on screen are in the DOM').toBeLessThan(80);
});

test('the “without an active factor” filter, and creating a user', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users');
  const toggle = page.getByRole('switch', { name: 'Only users without an active factor' });
  await toggle.check();
  await expect(page).toHaveURL(/withoutFactor=1/);
  await expect(page.getByTestId('users-scroll').getByText('Active', { exact: true })).toHaveCount(0);
  await toggle.uncheck();

  const name = uniqueName('new');
  await page.getByRole('button', { name: 'Create user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a user' });
  await dialog.getByLabel('Email').fill('not an email');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog.getByText('Username must not be empty')).toBeVisible();
  await expect(dialog.getByText('Email is not a valid address')).toBeVisible();
  await shot(page, 'users-create-errors');
  await dialog.getByLabel('Username').fill(name);
  await dialog.getByLabel('Display name').fill('Nina New');
  await dialog.getByLabel('Email').fill('nina@example.com');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(page).toHaveURL(new RegExp(`/users/${name}$`));
  await expect(page.getByRole('heading', { name: 'Nina New' })).toBeVisible();

  // The same name again is refused by the server with its own message.
  await page.goto('/users');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('dialog').getByLabel('Username').fill(name.toUpperCase());
  await page.getByRole('dialog').getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('already exists');
});

test('CSV import: preview with a reason per row, start, progress, summary', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users');
  const tag = uniqueName('imp');
  const csv = [
    'username,email,display_name,department',
    `${tag}-ann,ann@example.com,Ann Import,Sales`,
    `${tag}-ben,not-an-email,Ben Badmail,IT`,
    `${tag}-ann,,Ann Again,`,
    ',,No Username,',
    `bulk-000001,,Already There,`,
    `${tag}-cat,cat@example.com,Cat Import,`,
  ].join('\n');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import users from CSV' });
  await expect(dialog.getByText('Drop a CSV file here')).toBeVisible();
  await shot(page, 'users-import-choose');
  await dialog.locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

  await expect(dialog.getByText('people.csv: 6 rows')).toBeVisible();
  await expect(dialog.getByText('2 to create')).toBeVisible();
  await expect(dialog.getByText('2 to skip')).toBeVisible();
  await expect(dialog.getByText('2 rejected')).toBeVisible();
  await expect(dialog.getByText('Ignored columns: department')).toBeVisible();
  // Rejected rows come first, each with its reason and file line.
  const preview = dialog.getByTestId('import-preview');
  await expect(preview.getByRole('row', { name: /^3 Reject/ })).toContainText('Email is not a valid address');
  await expect(preview.getByRole('row', { name: /^5 Reject/ })).toContainText('Username must not be empty');
  await shot(page, 'users-import-preview');
  await dialog.getByText('Skip 2', { exact: true }).click();
  await expect(preview.getByRole('row', { name: /^4 Skip/ })).toContainText('duplicate in file');
  await expect(preview.getByRole('row', { name: /^6 Skip/ })).toContainText('already exists');

  await dialog.getByRole('button', { name: 'Import 2 users' }).click();
  await expect(dialog.getByTestId('import-summary')).toContainText('Import finished');
  await expect(dialog.getByTestId('import-summary')).toContainText('2 users created.');
  await expect(dialog.getByTestId('import-summary')).toContainText('2 rows skipped');
  await expect(dialog.getByTestId('import-summary')).toContainText('2 rows rejected.');
  await shot(page, 'users-import-done');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('searchbox', { name: 'Search users' }).fill(tag);
  await expect(page.getByTestId('users-count')).toHaveText('2 users match');
});

test('a file that is not a user CSV is refused with the reason', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import users from CSV' });
  await dialog.locator('input[type=file]').setInputFiles({ name: 'wrong.csv', mimeType: 'text/csv', buffer: Buffer.from('name;mail\nx;y\n') });
  await expect(dialog.getByRole('alert')).toContainText('no username column found');
  await shot(page, 'users-import-bad-file');
});

test('a large import shows progress and can be cancelled; what was added stays', async ({ page }) => {
  test.setTimeout(180_000);
  await openConsoleAsAdmin(page, '/users');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import users from CSV' });
  await dialog.locator('input[type=file]').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(bigCsv(uniqueName('big'), 150_000)) });
  await expect(dialog.getByText('150,000 to create')).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByText(/The list shows 20,000 of 150,000 rows/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Import 150,000 users' }).click();
  const progress = dialog.getByTestId('import-progress');
  await expect(progress).toHaveText(/^[1-9][\d,]* of 150,000 processed$/, { timeout: 30_000 });
  await shot(page, 'users-import-progress');
  await dialog.getByRole('button', { name: 'Cancel import' }).click();
  const summary = dialog.getByTestId('import-summary');
  await expect(summary).toContainText('Import cancelled', { timeout: 30_000 });
  await expect(summary).toContainText(/not imported because of the cancel/);
  const created = Number(/([\d,]+) users? created/.exec((await summary.textContent()) ?? '')![1]!.replace(/,/g, ''));
  expect(created).toBeGreaterThan(0);
  expect(created).toBeLessThan(150_000);
  await shot(page, 'users-import-cancelled');
});

test('on a narrow window the navigation folds behind a menu button', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openConsoleAsAdmin(page, '/users');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await expect(page.getByRole('searchbox', { name: 'Search users' })).toBeVisible();
  await shot(page, 'users-narrow');
  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(nav).toBeHidden();
});
