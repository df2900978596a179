import { DEFAULT_SETTINGS } from '../shared/schemas/settings';
import {
  createApiKey,
  createOperator,
  expect,
  openConsoleAs,
  openConsoleAsAdmin,
  provisionTotpUser,
  rest,
  sessionFor,
  setupFirstAdmin,
  shot,
  test,
  totpCode,
  trpcOk,
  uniqueName,
} from './support/console';
import type { Page } from '@playwright/test';

/** A full-page screenshot from the top of the page (scrolled, the sticky header would show in the middle of it). */
async function shotFromTop(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, name);
}

/**
 * Issue 14, "done when" in the console: an admin turns on remembered devices
 * and re-checks, renames recovery codes and makes TOTP operators-only; an
 * application remembers a device over REST and verifies with its token; the
 * user page lists the device and the last method used; helpdesk revokes the
 * device, after which the token is refused; the app may not remove the TOTP factor.
 */

test('remembered devices, re-checks, method names and operators-only removal: set in the console, used over REST, revoked by helpdesk', async ({ page }) => {
  test.setTimeout(120_000);
  const admin = await setupFirstAdmin(page);
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('remember');
  const { secret, factorId } = await provisionTotpUser(key, name, { displayName: 'Rhea Remember' });

  try {
    // 1. The admin: sign-in options and method names and removal.
    await openConsoleAsAdmin(page, '/settings');
    await page.setViewportSize({ width: 1280, height: 900 });
    const options = page.getByRole('form', { name: 'Sign-in options' });
    await expect(options).toBeVisible();
    await options.getByRole('switch', { name: 'Applications may remember devices' }).click({ force: true });
    await options.getByLabel('Longest life').fill('14');
    await options.getByRole('switch', { name: 'Tell applications when to check again' }).click({ force: true });
    await options.getByRole('textbox', { name: 'Shortest interval' }).fill('30');
    await options.getByLabel('Unit of the shortest interval').selectOption('min');
    await options.getByRole('textbox', { name: 'Longest interval' }).fill('1');
    await options.getByLabel('Unit of the longest interval').selectOption('min');
    await options.getByRole('button', { name: 'Save sign-in options' }).click();
    await expect(options.getByText('The longest re-check interval must not be below the shortest')).toBeVisible();
    await shotFromTop(page, 'remembered-1-sign-in-options-error');
    await options.getByRole('textbox', { name: 'Longest interval' }).fill('2');
    await options.getByLabel('Unit of the longest interval').selectOption('h');
    await options.getByRole('button', { name: 'Save sign-in options' }).click();
    await expect(page.getByText('Sign-in options saved')).toBeVisible();

    const policies = page.getByRole('form', { name: 'Method names and removal' });
    await policies.getByLabel('Recovery codes').fill('Backup codes');
    await policies.getByRole('switch', { name: 'Applications may remove TOTP factors' }).click({ force: true });
    await expect(policies.getByText('Only operators can remove its factors.')).toBeVisible();
    await policies.getByRole('button', { name: 'Save names and removal' }).click();
    await expect(page.getByText('Method names and removal saved')).toBeVisible();
    // The methods card names recovery codes as the admin does, with the built-in name beside it.
    await expect(page.getByTestId('method-recovery')).toContainText('Backup codes');
    await shotFromTop(page, 'remembered-2-settings');
    await page.setViewportSize({ width: 390, height: 844 });
    await shotFromTop(page, 'remembered-3-settings-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });

    const saved = await trpcOk<typeof DEFAULT_SETTINGS>(await sessionFor(admin), 'settings.get', undefined, 'query');
    expect(saved).toMatchObject({
      rememberDevices: true,
      rememberDeviceMaxDays: 14,
      recheck: true,
      recheckMinSeconds: 1800,
      recheckMaxSeconds: 7200,
      methodNames: { recovery: 'Backup codes' },
      appsMayRemove: { totp: false },
    });

    // 2. An application: a right code with remember → a token; the token alone then verifies.
    const first = await rest(key, 'POST', '/verify', {
      user: name,
      code: totpCode(secret),
      remember: { label: 'Work laptop' },
      userAgent: 'Firefox 140 on Linux',
    });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({ ok: true, factor: { id: factorId, type: 'totp' }, deviceToken: expect.stringMatching(/^tdt_/) });
    expect(first.json.recheckAfterSeconds).toBeGreaterThanOrEqual(1800);
    expect(first.json.recheckAfterSeconds).toBeLessThanOrEqual(7200);
    const token = first.json.deviceToken as string;
    const again = await rest(key, 'POST', '/verify', { user: name, deviceToken: token });
    expect(again.json).toMatchObject({ ok: true, factor: { type: 'remembered' } });

    // 3. The admin's user page: the device, the last method used, the renamed recovery codes, the operators-only badge.
    await page.goto(`/users/${name}`);
    const devices = page.getByTestId('remembered-devices');
    await expect(devices).toContainText('Work laptop');
    await expect(devices).toContainText('Firefox 140 on Linux');
    await expect(devices).toContainText(/e2e-key/);
    await expect(page.getByTestId('last-used')).toContainText('Last used: Authenticator app · just now');
    await expect(page.getByRole('heading', { name: 'Backup codes' })).toBeVisible();
    await expect(page.getByTestId(`factor-${factorId}-operators-only`)).toHaveText('Only operators can remove');
    await shotFromTop(page, 'remembered-4-user-admin');

    // 4. Helpdesk revokes the device, with a reason.
    const helpdesk = await createOperator(admin, 'helpdesk');
    await openConsoleAs(page, helpdesk, `/users/${name}`);
    await expect(devices).toContainText('Work laptop');
    await expect(page.getByTestId(`factor-${factorId}-operators-only`)).toBeVisible();
    await page.getByTestId(`factor-${factorId}-operators-only`).hover();
    await expect(page.getByRole('tooltip')).toContainText('Applications may not remove');
    await shotFromTop(page, 'remembered-5-user-helpdesk');
    await page.setViewportSize({ width: 390, height: 844 });
    await shotFromTop(page, 'remembered-6-user-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });
    await devices.getByRole('button', { name: 'Revoke “Work laptop”' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('ticket #4711: laptop stolen');
    await shotFromTop(page, 'remembered-7-revoke-dialog');
    await dialog.getByRole('button', { name: 'Revoke device' }).click();
    await expect(dialog).toBeHidden();
    await expect(devices).toContainText('No device is remembered');
    await expect(page.getByTestId('user-activity')).toContainText(/revoked/i);
    await shotFromTop(page, 'remembered-8-revoked');

    // 5. The token is refused now; the application may not remove the operators-only TOTP factor.
    const refused = await rest(key, 'POST', '/verify', { user: name, deviceToken: token });
    expect(refused.json).toEqual({ ok: false, reason: 'device_not_remembered' });
    const removal = await rest(key, 'DELETE', `/users/${name}/factors/${factorId}`, { reason: 'app cleanup' });
    expect(removal.status).toBe(403);
    expect((await rest(key, 'GET', `/users/${name}`)).json.factors).toHaveLength(1);
  } finally {
    // Other specs share this server: back to the defaults.
    const { rememberDevices, rememberDeviceMaxDays, recheck, recheckMinSeconds, recheckMaxSeconds, methodNames, appsMayRemove } = DEFAULT_SETTINGS;
    await trpcOk(await sessionFor(admin), 'settings.update', {
      rememberDevices,
      rememberDeviceMaxDays,
      recheck,
      recheckMinSeconds,
      recheckMaxSeconds,
      methodNames,
      appsMayRemove,
    });
  }
});
