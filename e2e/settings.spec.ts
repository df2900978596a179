import type { Page } from '@playwright/test';
import { createApiKey, expect, openConsoleAsAdmin, test, uniqueName } from './support/console';
import { mutate, query, rest, screen } from './support/offPage';
import type { Settings } from '../shared/schemas/settings';
import { hotpCode } from '../server/testing/otp';

interface MethodUsage {
  method: string;
  label: string;
  enabled: boolean;
  users: number;
}

/** Flips a switch from the keyboard, as a keyboard user would (Space on the focused switch). */
async function toggle(page: Page, name: string): Promise<void> {
  const sw = page.getByRole('switch', { name });
  await sw.focus();
  await page.keyboard.press('Space');
}

test.describe('Methods & settings (admin)', () => {
  test('each method says how many users rely on it; turning one off asks first and says what stops working', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    // A user with a confirmed HOTP token, so HOTP has someone relying on it.
    const provision = await createApiKey(admin, ['provision']);
    const user = uniqueName('hotp-user');
    expect((await rest(provision, 'POST', '/users', { username: user })).status).toBe(201);
    const enrolled = await rest(provision, 'POST', `/users/${user}/factors`, { type: 'hotp' });
    expect(enrolled.status).toBe(201);
    const code = hotpCode({ secret: enrolled.json.secret }, 0);
    expect((await rest(provision, 'POST', `/users/${user}/factors/${enrolled.json.id}/confirm`, { code })).status).toBe(200);

    const usage = await query<MethodUsage[]>(admin, 'settings.methodUsage');
    const hotp = usage.find((m) => m.method === 'hotp')!;
    expect(hotp.users).toBeGreaterThanOrEqual(1);

    await page.getByRole('link', { name: 'Methods & settings' }).click();
    await expect(page.getByRole('heading', { name: 'Methods & settings' })).toBeVisible();
    for (const m of usage) {
      await expect(page.getByTestId(`method-${m.method}-usage`)).toContainText(
        m.users === 0 ? /^No user/ : new RegExp(`^${m.users.toLocaleString('en')} user`),
      );
      await expect(page.getByRole('switch', { name: m.label })).toBeChecked({ checked: m.enabled });
    }
    // Email is weaker, off by default, and the screen says so; the Google Authenticator caveat is there too.
    await expect(page.getByRole('switch', { name: 'Email code' })).not.toBeChecked();
    await expect(page.getByTestId('method-email')).toContainText('Weaker than the other methods');
    await expect(page.getByTestId('method-email')).toContainText('NIST SP 800-63B');
    await expect(page.getByText('Some apps ignore algorithm, digits and period')).toBeVisible();
    await screen(page, 'settings');

    // Turning HOTP off: the dialog says how many rely on it and what stops working; Cancel changes nothing.
    await toggle(page, hotp.label);
    const dialog = page.getByRole('dialog', { name: `Turn off ${hotp.label}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('confirm-affected')).toHaveText(`${hotp.users === 1 ? '1 user relies' : `${hotp.users} users rely`} on it.`);
    await expect(dialog).toContainText('Codes from their hardware tokens are refused');
    await screen(page, 'settings-turn-off-confirm');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('switch', { name: hotp.label })).toBeChecked();
    expect((await query<Settings>(admin, 'settings.get')).methods.hotp).toBe(true);

    // Confirmed: off on the server, and the user's code is no longer accepted.
    await toggle(page, hotp.label);
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('switch', { name: hotp.label })).not.toBeChecked();
    expect((await query<Settings>(admin, 'settings.get')).methods.hotp).toBe(false);
    const verifyKey = await createApiKey(admin, ['verify']);
    const next = hotpCode({ secret: enrolled.json.secret }, 1);
    const refused = await rest(verifyKey, 'POST', '/verify', { user, code: next });
    expect(refused.json.ok).toBe(false);

    // Back on: no dialog for turning a method on, and the code works again.
    await toggle(page, hotp.label);
    await expect(page.getByRole('switch', { name: hotp.label })).toBeChecked();
    expect((await query<Settings>(admin, 'settings.get')).methods.hotp).toBe(true);
    expect((await rest(verifyKey, 'POST', '/verify', { user, code: next })).json.ok).toBe(true);

    // Email codes are available now (issue 13) but off by default: the switch can be turned on, no "not available" note.
    await expect(page.getByRole('switch', { name: 'Email code' })).toBeEnabled();
    await expect(page.getByRole('switch', { name: 'Email code' })).not.toBeChecked();
    await expect(page.getByTestId('method-email-unavailable')).toHaveCount(0);
    expect((await query<Settings>(admin, 'settings.get')).methods.email).toBe(false);
  });

  test('issuer, TOTP window, throttling and expiry: checked with the shared schema, saved, and kept', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/settings');
    const before = await query<Settings>(admin, 'settings.get');
    try {
      const issuer = page.getByLabel('Issuer name');
      await expect(issuer).toHaveValue(before.issuer);
      await expect(page.getByRole('button', { name: 'Save settings' })).toBeDisabled();

      // The same zod rules as the server: a colon in the issuer, a lock threshold not above the free attempts.
      await issuer.fill('Acme: Corp');
      await page.getByLabel('Free attempts').fill('5');
      await page.getByLabel('Lock after').fill('4');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect(page.getByText('Issuer must not contain a colon')).toBeVisible();
      await expect(page.getByText('Lock threshold must be above the free attempts')).toBeVisible();
      await screen(page, 'settings-invalid');
      expect((await query<Settings>(admin, 'settings.get')).issuer).toBe(before.issuer);

      // Fixed, with the keyboard: type, Tab on, Enter submits.
      await issuer.fill('Acme Corp');
      await page.getByLabel('Lock after').fill('12');
      await page.getByLabel('Lock duration').fill('45');
      await page.getByLabel('Pending enrollment expiry').fill('48');
      await page.getByRole('combobox', { name: 'TOTP window' }).click();
      await page.getByRole('option', { name: 'Current step only (strict)' }).click();
      await page.getByLabel('Pending enrollment expiry').press('Enter');
      await expect(page.getByText('Settings saved')).toBeVisible();
      const saved = await query<Settings>(admin, 'settings.get');
      expect(saved).toMatchObject({
        issuer: 'Acme Corp',
        totpWindow: 0,
        throttleFreeAttempts: 5,
        throttleLockAfter: 12,
        throttleLockMinutes: 45,
        pendingExpiryHours: 48,
      });

      await page.reload();
      await expect(page.getByLabel('Issuer name')).toHaveValue('Acme Corp');
      await expect(page.getByLabel('Lock after')).toHaveValue('12 failures');
      await expect(page.getByRole('combobox', { name: 'TOTP window' })).toHaveValue('Current step only (strict)');
      await screen(page, 'settings-saved');

      // The change is in the audit log with what changed.
      const log = await query<{ items: { action: string; details: { changed: Record<string, { from: unknown; to: unknown }> } }[] }>(admin, 'audit.query', {
        action: 'settings.update',
        limit: 1,
      });
      expect(log.items[0]!.details.changed.issuer).toEqual({ from: before.issuer, to: 'Acme Corp' });
    } finally {
      const { methods: _m, ...rest } = before;
      await mutate(admin, 'settings.update', rest);
    }
  });
});
