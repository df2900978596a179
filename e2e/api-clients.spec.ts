import { expect, openConsoleAsAdmin, test, uniqueName } from './support/console';
import { query, rest, screen } from './support/offPage';
import { failProcedure } from './support/trpcFault';
import type { ApiKeyView } from '../shared/schemas/apiKeys';

test.describe('API clients (admin)', () => {
  test('create a client: scopes explained, the key shown once; it works, its last use shows, and revoking stops it', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const admin = await openConsoleAsAdmin(page, '/api-clients');
    await expect(page.getByRole('heading', { name: 'API clients' })).toBeVisible();
    const name = uniqueName('Payroll portal');
    if ((await query<ApiKeyView[]>(admin, 'apiKeys.list')).length === 0) {
      // First in the run: the empty state says what a key is for and offers the next step.
      await expect(page.getByText('No API clients yet')).toBeVisible();
      await screen(page, 'api-clients-empty');
    }

    await page.getByRole('button', { name: 'New API client' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API client' });
    await expect(dialog.getByRole('checkbox', { name: 'Verify codes' })).toBeChecked();
    await expect(dialog).toContainText('Check a user’s one-time code (POST /verify)');
    await expect(dialog).toContainText('Create, unlock, reset and delete users');
    await expect(dialog).toContainText('Read users, the audit log and its integrity check');

    // The shared schema's messages: a name is required, and at least one scope.
    await dialog.getByRole('checkbox', { name: 'Verify codes' }).uncheck();
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByText('Name must not be empty')).toBeVisible();
    await expect(dialog.getByText('Choose at least one scope')).toBeVisible();

    // With the keyboard: the name, then Space on the scopes, Enter submits.
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('checkbox', { name: 'Verify codes' }).focus();
    await page.keyboard.press('Space');
    await dialog.getByRole('checkbox', { name: 'Read the audit log' }).focus();
    await page.keyboard.press('Space');
    await screen(page, 'api-clients-new');
    await dialog.getByLabel('Name').press('Enter');

    const created = page.getByRole('dialog', { name: 'API client created' });
    await expect(created).toBeVisible();
    await expect(created).toContainText('It will not be shown again');
    const key = (await created.getByTestId('new-api-key').textContent())!.trim();
    expect(key).toMatch(/^tsk_/);
    await created.getByRole('button', { name: 'Copy key' }).click();
    await expect(created.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await screen(page, 'api-clients-key-once');
    // Esc does not throw the key away by accident: only the button closes it.
    await page.keyboard.press('Escape');
    await expect(created).toBeVisible();
    await created.getByRole('button', { name: 'I have stored the key' }).click();
    await expect(created).toBeHidden();

    const row = page.getByRole('row', { name: new RegExp(name) });
    await expect(row).toContainText(key.slice(0, 8));
    await expect(row).toContainText('verify');
    await expect(row).toContainText('audit');
    await expect(row).not.toContainText('provision');
    await expect(row).toContainText('Never');
    await expect(row).toContainText('Active');

    // The key works (an audit-scope call), and the list then shows it was used.
    expect((await rest(key, 'GET', '/audit?limit=1')).status).toBe(200);
    const listed = (await query<ApiKeyView[]>(admin, 'apiKeys.list')).find((k) => k.name === name)!;
    expect(listed.lastUsedAt).not.toBeNull();
    await page.reload();
    await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('just now');
    await screen(page, 'api-clients');

    // Revoke: the dialog says what happens; afterwards the key is refused.
    await page.getByRole('button', { name: `Revoke ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Revoke ${name}?` });
    await expect(confirm).toContainText('is refused at once');
    await screen(page, 'api-clients-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect(confirm).toBeHidden();
    expect((await rest(key, 'GET', '/audit?limit=1')).status).toBe(401);
    // Revoked keys are hidden until asked for.
    await expect(page.getByRole('row', { name: new RegExp(name) })).toHaveCount(0);
    await page.getByRole('switch', { name: /Show revoked keys/ }).focus();
    await page.keyboard.press('Space');
    await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Revoked');
    await expect(page.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);

    // Both changes are in the audit log.
    const log = await query<{ items: { action: string; details: { name: string } }[] }>(admin, 'audit.query', { actor: admin.username, limit: 20 });
    expect(log.items.filter((e) => e.details?.name === name).map((e) => e.action)).toEqual(['apikey.revoke', 'apikey.create']);
  });

  test('a list that fails to load says so and can be retried', async ({ page }) => {
    await openConsoleAsAdmin(page, '/dashboard');
    // The server failing (as a crashed or unreachable one would) for this one query.
    const lift = await failProcedure(page, 'apiKeys.list');
    await page.goto('/api-clients');
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load the API clients' });
    await expect(alert).toBeVisible({ timeout: 15_000 });
    await expect(alert).toContainText('Tessera hit an internal error');
    await screen(page, 'api-clients-error');
    await lift();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('table', { name: 'API clients' }).or(page.getByText('No API clients yet'))).toBeVisible();
  });
});
