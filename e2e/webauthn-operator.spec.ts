/**
 * An operator's own security key for the console: registered on the Profile
 * page (after re-entering the password), then used at sign-in instead of the
 * TOTP code. The console is opened at http://localhost:PORT — WebAuthn does
 * not accept an IP address as RP ID. Chromium's virtual authenticator plays
 * the key.
 */
import { createOperator, expect, sessionFor, setupFirstAdmin, shot, test, SESSION_COOKIE } from './support/console';
import { addVirtualAuthenticator, auditEntries, createKeyWithCli, tesseraByName } from './support/webauthn';

test('an operator registers a security key on their profile and signs in with it instead of a code', async ({ page }) => {
  test.setTimeout(120_000);
  const admin = await setupFirstAdmin(page);
  const op = await createOperator(admin, 'helpdesk', { displayName: 'Hana Helpdesk' });
  const consoleUrl = tesseraByName();
  await page.context().clearCookies();
  await page.context().addCookies([{ name: SESSION_COOKIE, value: await sessionFor(op), url: consoleUrl, httpOnly: true, sameSite: 'Strict' }]);
  await addVirtualAuthenticator(page);

  // Profile, from the operator's name in the header.
  await page.goto(`${consoleUrl}/users`);
  await page.getByRole('link', { name: 'Hana Helpdesk' }).click();
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
  await expect(page.getByText('No security keys yet')).toBeVisible();
  await expect(page.getByText(/Keys added here work when the console is opened at localhost:\d+/)).toBeVisible();
  await shot(page, 'webauthn-operator-1-profile');

  // Add a key: a name, the current password, then the (virtual) key.
  await page.getByRole('button', { name: 'Add a security key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a security key or passkey' });
  await dialog.getByLabel('Name').fill('Desk key');
  await dialog.getByLabel(/Current password/).fill('not the password at all');
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await expect(dialog.getByRole('alert')).toContainText('not your current password');
  await dialog.getByLabel(/Current password/).fill(op.password);
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await expect(dialog).toBeHidden();
  const keys = page.getByRole('table', { name: 'Your security keys and passkeys' });
  await expect(keys.getByRole('row', { name: /Desk key/ })).toBeVisible();
  await expect(keys.getByRole('row', { name: /Desk key/ })).toContainText('Never');
  await shot(page, 'webauthn-operator-2-profile-key');

  // Sign out, then in: password, and the key instead of the code.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await page.getByLabel('Username').fill(op.username);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(op.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('6-digit code')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use a security key instead' })).toBeVisible();
  await shot(page, 'webauthn-operator-3-code-or-key');
  await page.getByRole('button', { name: 'Use a security key instead' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });

  // In the audit log: the key registration and a sign-in with the key.
  const auditKey = await createKeyWithCli(['--name', `operator-webauthn-audit-${Date.now()}`, '--scopes', 'audit']);
  const [login] = await auditEntries(auditKey, { action: 'operator.login', actor: op.username, limit: 1 });
  expect(login).toMatchObject({ outcome: 'success', details: expect.objectContaining({ method: 'webauthn', rpId: 'localhost' }) });
  const [registered] = await auditEntries(auditKey, { action: 'operator.webauthn.register', actor: op.username, limit: 1 });
  expect(registered).toMatchObject({ outcome: 'success', details: expect.objectContaining({ rpId: 'localhost' }) });
  const [reauth] = await auditEntries(auditKey, { action: 'operator.reauth', actor: op.username, limit: 1 });
  expect(reauth).toMatchObject({ outcome: 'failure', reason: 'wrong_password' });

  await page.goto(`${consoleUrl}/profile`);
  await expect(keys.getByRole('row', { name: /Desk key/ })).not.toContainText('Never');
});
