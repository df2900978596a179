import {
  createApiKey,
  createOperator,
  expect,
  openConsoleAs,
  provisionTotpUser,
  rest,
  sessionFor,
  setupFirstAdmin,
  shot,
  test,
  totpCode,
  trpc,
  uniqueName,
} from './support/console';

/**
 * Helpdesk: finds a user fast and resets a lost device with a reason; sees
 * users and helpdesk actions only. Auditors: read-only. And the server
 * refuses a forbidden action even when it is called directly.
 */
test('helpdesk finds a user and resets a lost device with a reason', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const helpdesk = await createOperator(admin, 'helpdesk', { displayName: 'Hank Helpdesk' });
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('lost');
  const { secret } = await provisionTotpUser(key, name, { displayName: 'Lena Lostphone', email: `lena@${name}.example` });

  await openConsoleAs(page, helpdesk, '/');
  await expect(page).toHaveURL(/\/users$/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
  for (const hidden of ['Dashboard', 'Audit log', 'Methods & settings', 'API clients', 'Operators'])
    await expect(nav.getByRole('link', { name: hidden })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Create user' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Import CSV' })).toHaveCount(0);

  await page.getByRole('searchbox', { name: 'Search users' }).fill('lena lostphone'.split(' ')[1]!);
  await page.getByTestId('users-scroll').getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name: 'Lena Lostphone' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Enroll a factor' })).toBeVisible();
  await shot(page, 'helpdesk-user-detail');

  await page.getByRole('button', { name: 'More actions' }).click();
  await expect(page.getByRole('menuitem', { name: 'Delete user…' })).toHaveCount(0);
  await page.getByRole('menuitem', { name: 'Reset lost device…' }).click();
  const dialog = page.getByRole('dialog', { name: `Reset ${name}’s lost device?` });
  await dialog.getByRole('button', { name: 'Reset lost device' }).click();
  await expect(dialog.getByText('Give a reason: it is kept in the audit log')).toBeVisible();
  await expect(dialog.locator('.mantine-TextInput-error')).toHaveText(`Type ${name} to confirm`);
  await dialog.getByLabel('Reason').fill('phone lost on a train, ticket 5521');
  await dialog.getByRole('textbox', { name: /to confirm/ }).fill(name);
  await shot(page, 'helpdesk-reset');
  await dialog.getByRole('button', { name: 'Reset lost device' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No factors yet')).toBeVisible();
  const entry = page.getByTestId('user-activity').getByRole('row', { name: /Lost device reset/ });
  await expect(entry).toContainText(helpdesk.username);
  await expect(entry).toContainText('phone lost on a train, ticket 5521');
  // The old phone's codes no longer work.
  expect((await rest(key, 'POST', '/verify', { user: name, code: totpCode(secret) })).json).toMatchObject({ ok: false, reason: 'no_factor' });

  // Pages outside the role say so instead of failing.
  await page.goto('/operators');
  await expect(page.getByText('Not available for your role')).toBeVisible();
});

test('the server refuses forbidden actions even when called directly', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const helpdesk = await createOperator(admin, 'helpdesk');
  const auditor = await createOperator(admin, 'auditor');
  const key = await createApiKey(admin, ['provision']);
  const name = uniqueName('guard');
  await provisionTotpUser(key, name);
  const hd = await sessionFor(helpdesk);
  const au = await sessionFor(auditor);
  const before = (await rest(key, 'GET', `/users/${name}`)).json;

  // Helpdesk may not create users or operators, nor import.
  const create = await trpc(hd, 'users.create', { username: uniqueName('sneaky') });
  expect(create.status).toBe(403);
  expect(create.error?.data?.tesseraCode).toBe('forbidden');
  expect((await trpc(hd, 'operators.create', { username: uniqueName('op'), role: 'admin', password: 'a long enough password' })).status).toBe(403);
  const imp = await fetch(`${process.env.TESSERA_E2E_URL}/console/users/import/preview`, {
    method: 'POST',
    headers: { cookie: `tessera_session=${hd}`, 'x-tessera-csrf': '1', 'content-type': 'text/csv' },
    body: 'username\nx\n',
  });
  expect(imp.status).toBe(403);

  // Auditors read but change nothing.
  expect((await trpc(au, 'users.get', { username: name }, { type: 'query' })).status).toBe(200);
  for (const [proc, input] of [
    ['users.reset', { username: name, reason: 'x' }],
    ['users.unlock', { username: name, reason: 'x' }],
    ['users.issueRecoveryCodes', { username: name }],
    ['users.enrollOtp', { username: name, factor: { type: 'totp' } }],
    ['users.deleteFactor', { username: name, factorId: before.factors[0].id, reason: 'x' }],
  ] as const) {
    const r = await trpc(au, proc, input);
    expect(r.status, proc).toBe(403);
  }
  // A signed-out caller gets 401, and a mutation without the CSRF header is refused.
  expect((await trpc(null, 'users.reset', { username: name, reason: 'x' })).status).toBe(401);
  expect((await trpc(hd, 'users.reset', { username: name, reason: 'x' }, { csrf: false })).status).toBe(403);

  // Nothing changed.
  const after = (await rest(key, 'GET', `/users/${name}`)).json;
  expect(after.factors).toEqual(before.factors);
  expect((await rest(key, 'GET', `/users?query=sneaky`)).json.items).toEqual([]);
});

test('auditors see users read-only: no actions are offered', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const auditor = await createOperator(admin, 'auditor', { displayName: 'Audrey Auditor' });
  const key = await createApiKey(admin, ['provision']);
  const name = uniqueName('ro');
  await provisionTotpUser(key, name, { displayName: 'Rory Readonly' });

  await openConsoleAs(page, auditor, `/users/${name}`);
  await expect(page.getByRole('heading', { name: 'Rory Readonly' })).toBeVisible();
  await expect(page.getByText('Read-only')).toBeVisible();
  await expect(page.getByTestId('factors')).toContainText('Authenticator app');
  for (const action of ['Enroll a factor', 'More actions', 'Issue recovery codes', 'Issue a new set'])
    await expect(page.getByRole('button', { name: action })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await shot(page, 'auditor-user-detail');
  await page.goto('/users');
  await expect(page.getByRole('button', { name: 'Create user' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' })).toBeVisible();
});
