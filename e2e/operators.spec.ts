import { createOperator, expect, openConsoleAsAdmin, sessionFor, test, trpc, uniqueName } from './support/console';
import { query, screen } from './support/offPage';
import type { OperatorView } from '../shared/schemas/operators';

async function operatorNamed(admin: Parameters<typeof query>[0], username: string): Promise<OperatorView> {
  const all = await query<OperatorView[]>(admin, 'operators.list');
  return all.find((o) => o.username === username)!;
}

test.describe('Operators (admin)', () => {
  test('add an operator with a role; the password rules come back from the server', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/operators');
    await expect(page.getByRole('heading', { name: 'Operators' })).toBeVisible();
    await expect(page.getByTestId(`operator-${admin.username}`)).toContainText('You');
    const username = uniqueName('hal');

    await page.getByRole('button', { name: 'Add operator' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add operator' });
    await dialog.getByRole('button', { name: 'Add operator' }).click();
    await expect(dialog.getByText('Username must not be empty')).toBeVisible();

    await dialog.getByLabel('Username').fill(username);
    await dialog.getByLabel('Display name').fill('Hal Helpdesk');
    // Roles are radios with what each may do; arrow keys move between them.
    await expect(dialog.getByRole('radio', { name: 'Helpdesk' })).toBeChecked();
    await expect(dialog).toContainText('Find users, reset a lost device');
    await dialog.getByRole('radio', { name: 'Helpdesk' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(dialog.getByRole('radio', { name: 'Auditor' })).toBeChecked();
    await page.keyboard.press('ArrowUp');
    await expect(dialog.getByRole('radio', { name: 'Helpdesk' })).toBeChecked();
    await dialog.getByLabel('Starting password').fill('too short');
    await dialog.getByRole('button', { name: 'Add operator' }).click();
    await expect(dialog.getByText('Use at least 12 characters.')).toBeVisible();
    await dialog.getByLabel('Starting password').fill('a long enough starting password');
    await screen(page, 'operators-add');
    await dialog.getByLabel('Starting password').press('Enter');
    await expect(dialog).toBeHidden();

    const row = page.getByTestId(`operator-${username}`);
    await expect(row).toContainText('Hal Helpdesk');
    await expect(row).toContainText('Helpdesk');
    await expect(row).toContainText('Awaiting first sign-in');
    expect(await operatorNamed(admin, username)).toMatchObject({ role: 'helpdesk', status: 'pending', displayName: 'Hal Helpdesk' });

    // A second operator with the same name is refused with the server's message.
    await page.getByRole('button', { name: 'Add operator' }).click();
    await dialog.getByLabel('Username').fill(username.toUpperCase());
    await dialog.getByLabel('Starting password').fill('a long enough starting password');
    await dialog.getByRole('button', { name: 'Add operator' }).click();
    await expect(dialog.getByRole('alert').filter({ hasText: 'already exists' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('change a role, disable (ends their sessions), enable, reset their second factor', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    const auditor = await createOperator(admin, 'auditor', { displayName: 'Ann Auditor' });
    const theirSession = await sessionFor(auditor);
    await page.goto('/operators');
    const row = page.getByTestId(`operator-${auditor.username}`);
    await expect(row).toContainText('Auditor');
    await expect(row).toContainText('Active');
    await screen(page, 'operators');

    // Edit: role to Helpdesk.
    await row.getByRole('button', { name: `Edit ${auditor.username}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${auditor.username}` });
    await expect(edit.getByLabel('Display name')).toHaveValue('Ann Auditor');
    await edit.getByRole('radio', { name: 'Helpdesk' }).check();
    await screen(page, 'operators-edit');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText('Helpdesk');
    expect((await operatorNamed(admin, auditor.username)).role).toBe('helpdesk');
    // The new role applies at once to their open session.
    const asThem = await trpc(theirSession, 'settings.get', undefined, { type: 'query' });
    expect(asThem.status).toBe(403);

    // Disable from the row's menu, with the keyboard.
    await row.getByRole('button', { name: `More actions for ${auditor.username}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Disable…' }).press('Enter');
    const confirm = page.getByRole('dialog', { name: `Disable ${auditor.username}?` });
    await expect(confirm).toContainText('signed out everywhere');
    await screen(page, 'operators-disable-confirm');
    await confirm.getByRole('button', { name: 'Disable operator' }).click();
    await expect(confirm).toBeHidden();
    await expect(row).toContainText('Disabled');
    const me = await trpc<{ operator: unknown } | null>(theirSession, 'auth.me', undefined, { type: 'query' });
    expect(me.data ?? null).toBeNull();

    // Enable again.
    await row.getByRole('button', { name: `More actions for ${auditor.username}` }).click();
    await page.getByRole('menuitem', { name: 'Enable…' }).click();
    await page
      .getByRole('dialog', { name: `Enable ${auditor.username}?` })
      .getByRole('button', { name: 'Enable operator' })
      .click();
    await expect(row).toContainText('Active');

    // Reset the second factor: back to awaiting first sign-in (they enroll a new authenticator).
    await row.getByRole('button', { name: `More actions for ${auditor.username}` }).click();
    await page.getByRole('menuitem', { name: 'Reset second factor…' }).click();
    const reset = page.getByRole('dialog', { name: `Reset ${auditor.username}’s second factor?` });
    await expect(reset).toContainText('set up an authenticator app again');
    await reset.getByRole('button', { name: 'Reset second factor' }).click();
    await expect(row).toContainText('Awaiting first sign-in');
    const login = await trpc<{ next: string }>(null, 'auth.login', { username: auditor.username, password: auditor.password });
    expect(login.data?.next).toBe('enroll');

    // Every change is in the audit log.
    const log = await query<{ items: { details: { operator?: string; changed?: Record<string, unknown> } }[] }>(admin, 'audit.query', {
      action: 'operator.update',
      limit: 10,
    });
    const mine = log.items.filter((e) => e.details.operator === auditor.username).map((e) => Object.keys(e.details.changed ?? {}).join(','));
    expect(mine).toEqual(['secondFactor', 'status', 'status', 'role']);
  });

  test('you cannot disable yourself, and the last administrator cannot be demoted', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/operators');
    const row = page.getByTestId(`operator-${admin.username}`);
    await row.getByRole('button', { name: `More actions for ${admin.username}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Disable…' })).toHaveCount(0);
    await expect(page.getByText('You cannot disable yourself')).toBeVisible();
    await page.keyboard.press('Escape');

    const admins = (await query<OperatorView[]>(admin, 'operators.list')).filter((o) => o.role === 'admin' && o.status === 'active');
    test.skip(admins.length > 1, 'another active admin exists in this run');
    await row.getByRole('button', { name: `Edit ${admin.username}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${admin.username}` });
    await edit.getByRole('radio', { name: 'Auditor' }).check();
    await expect(edit).toContainText('you will lose the administrator screens');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit.getByRole('alert').filter({ hasText: 'last active administrator' })).toBeVisible();
    await screen(page, 'operators-last-admin');
    await edit.getByRole('button', { name: 'Cancel' }).click();
    expect((await operatorNamed(admin, admin.username)).role).toBe('admin');
  });
});
