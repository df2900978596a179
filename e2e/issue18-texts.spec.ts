import path from 'node:path';
import { SCREENS_DIR } from './support/shot';
import { createApiKey, createOperator, expect, openConsoleAs, openConsoleAsAdmin, rest, restVerify, shot, test, uniqueName } from './support/console';

/**
 * Issue 18's words, driven in Chromium against a real server: settings
 * fields refused in words (never zod's "Too small: expected number to be
 * >=1"), and the lost-device reset saying how many recovery codes are left.
 */

test('settings: numbers out of range or empty are refused in words under each field, and nothing is saved', async ({ page }) => {
  await openConsoleAsAdmin(page, '/settings');
  await expect(page.getByRole('heading', { name: 'Methods & settings' })).toBeVisible();
  await page.getByLabel('Free attempts').fill('25');
  await page.getByLabel('Lock duration').fill('0');
  await page.getByLabel('Pending enrollment expiry').fill('');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const form = page.getByRole('form', { name: 'Settings', exact: true });
  await expect(form.getByText('At most 20 free attempts')).toBeVisible();
  await expect(form.getByText('Lock for at least 1 minute')).toBeVisible();
  await expect(form.getByText('Enter a number')).toBeVisible();
  await expect(page.getByLabel('Lock duration')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('body')).not.toContainText(/Too small|Too big|expected number|Invalid input/);
  await shot(page, 'settings-field-errors-page');
  // The form itself, large enough to read the messages under the fields.
  await form.screenshot({ path: path.join(SCREENS_DIR, 'settings-field-errors.png') });
  // Nothing was saved: a reload shows the stored values.
  await page.reload();
  await expect(page.getByLabel('Lock duration')).toHaveValue(/^30/);
});

test('reset lost device: the dialog counts the recovery codes left (8 of 10), and the notice says what went', async ({ page }) => {
  const admin = await openConsoleAsAdmin(page, '/dashboard');
  const helpdesk = await createOperator(admin, 'helpdesk');
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('reset');
  expect((await rest(key, 'POST', '/users', { username: name, displayName: 'Rhea Reset' })).status).toBe(201);
  expect((await rest(key, 'POST', `/users/${name}/factors`, { type: 'totp' })).status).toBe(201);
  const codes = (await rest(key, 'POST', `/users/${name}/recovery-codes`)).json.codes as string[];
  for (const c of codes.slice(0, 2)) expect((await restVerify(key, name, c)).body).toMatchObject({ ok: true });

  await openConsoleAs(page, helpdesk, `/users/${encodeURIComponent(name)}`);
  await expect(page.getByRole('heading', { name: 'Rhea Reset' })).toBeVisible();
  await expect(page.getByTestId('recovery-count')).toHaveText('8 of 10 unused');
  await page.getByRole('button', { name: 'More actions' }).click();
  await page.getByRole('menuitem', { name: 'Reset lost device…' }).click();
  const dialog = page.getByRole('dialog', { name: `Reset ${name}’s lost device?` });
  await expect(dialog.getByTestId('reset-summary')).toHaveText(
    `Removes the only factor and the 8 unused recovery codes of ${name}. They cannot pass MFA until a new factor is enrolled. This cannot be undone.`,
  );
  await dialog.getByLabel('Reason').fill('phone lost on a train, ticket 5521');
  await dialog.getByRole('textbox', { name: /to confirm/ }).fill(name);
  await shot(page, 'reset-dialog-codes-left');
  await dialog.getByRole('button', { name: 'Reset lost device' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('1 factor and 8 unused recovery codes removed. Enroll a new factor next.')).toBeVisible();
  await expect(page.getByTestId('recovery-count')).toHaveText('None issued');
});
