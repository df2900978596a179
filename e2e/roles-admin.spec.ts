import { createApiKey, expect, openConsoleAsAdmin, readQrUri, rest, setupFirstAdmin, shot, test, totpCode, uniqueName } from './support/console';

/**
 * The administrator's day: create a user in the console, enroll their
 * authenticator (the QR's code verifies over REST), issue recovery codes,
 * copy and print them; a recovery code then works once.
 */
test('admin creates a user, enrolls TOTP, and issues, copies and prints recovery codes', async ({ page, context }) => {
  const admin = await setupFirstAdmin(page);
  const key = await createApiKey(admin, ['verify']);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openConsoleAsAdmin(page, '/users');
  for (const item of ['Dashboard', 'Users', 'Audit log', 'Methods & settings', 'API clients', 'Operators']) {
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: item })).toBeVisible();
  }

  const name = uniqueName('adm');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('dialog').getByLabel('Username').fill(name);
  await page.getByRole('dialog').getByLabel('Display name').fill('Priya Printed');
  await page.getByRole('dialog').getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('heading', { name: 'Priya Printed' })).toBeVisible();

  await page.getByRole('button', { name: 'Enroll a factor' }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Show QR code' }).click();
  const secret = new URL(await readQrUri(page)).searchParams.get('secret')!;
  await page
    .getByRole('dialog')
    .getByLabel('6-digit code from the device')
    .fill(totpCode(secret, Date.now() - 30_000));
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm factor' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
  expect((await rest(key, 'POST', '/verify', { user: name, code: totpCode(secret) })).json).toMatchObject({ ok: true });

  // Recovery codes: shown once, copy, print, acknowledge.
  await page.getByRole('button', { name: 'Issue recovery codes' }).click();
  const dialog = page.getByRole('dialog', { name: `Recovery codes for ${name}` });
  await expect(dialog.getByText('These codes will not be shown again')).toBeVisible();
  const codes = (await dialog.getByTestId('recovery-codes').locator('span').allTextContents()).map((c) => c.trim());
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  await shot(page, 'admin-recovery-codes');

  await dialog.getByRole('button', { name: 'Copy all' }).click();
  await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  for (const c of codes) expect(copied).toContain(c);

  // Print: window.print() is called, and on paper only the code sheet shows.
  await page.evaluate(() => {
    (window as unknown as { printed: number }).printed = 0;
    window.print = () => {
      (window as unknown as { printed: number }).printed += 1;
    };
  });
  await dialog.getByRole('button', { name: 'Print' }).click();
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
  await page.emulateMedia({ media: 'print' });
  const sheet = page.getByTestId('recovery-print-sheet');
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText(name);
  for (const c of codes) await expect(sheet).toContainText(c);
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await shot(page, 'admin-recovery-codes-print');
  await page.emulateMedia({ media: 'screen' });

  const done = dialog.getByRole('button', { name: 'Done' });
  await expect(done).toBeDisabled();
  await dialog.getByLabel('I have given these codes to the user or stored them safely').check();
  await done.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('recovery-count')).toHaveText('10 of 10 unused');
  await expect(page.getByTestId('recovery-print-sheet')).toHaveCount(0);

  // A recovery code works once.
  expect((await rest(key, 'POST', '/verify', { user: name, code: codes[0] })).json).toMatchObject({ ok: true });
  expect((await rest(key, 'POST', '/verify', { user: name, code: codes[0] })).json).toMatchObject({ ok: false });
  await page.reload();
  await expect(page.getByTestId('recovery-count')).toHaveText('9 of 10 unused');
  await shot(page, 'admin-user-detail');

  // A new set replaces the old one, after a confirmation.
  await page.getByRole('button', { name: 'Issue a new set' }).click();
  await page.getByRole('dialog', { name: 'Replace the recovery codes?' }).getByRole('button', { name: 'Issue a new set' }).click();
  await expect(page.getByRole('dialog', { name: `Recovery codes for ${name}` })).toBeVisible();
  expect((await rest(key, 'POST', '/verify', { user: name, code: codes[1] })).json).toMatchObject({ ok: false });
});
