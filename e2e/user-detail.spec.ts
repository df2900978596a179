import { hotpCode } from '../server/testing/otp';
import { createApiKey, expect, openConsoleAsAdmin, readQrUri, rest, setupFirstAdmin, shot, test, totpCode, uniqueName } from './support/console';

test('a new user: empty factor list, then enroll TOTP by QR; the code on screen verifies over REST', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('det');
  expect((await rest(key, 'POST', '/users', { username: name, displayName: 'Theo Detail', email: 'theo@example.com' })).status).toBe(201);

  await openConsoleAsAdmin(page, `/users/${name}`);
  await expect(page.getByRole('heading', { name: 'Theo Detail' })).toBeVisible();
  await expect(page.getByText('No factors yet')).toBeVisible();
  await expect(page.getByText('No active factor')).toBeVisible();
  await expect(page.getByTestId('recovery-count')).toHaveText('None issued');
  await expect(page.getByTestId('user-activity')).toContainText('User created');
  await shot(page, 'user-detail-empty');

  await page.getByRole('button', { name: 'Enroll a factor' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Label').fill('Work phone');
  await shot(page, 'user-enroll-choose');
  await dialog.getByRole('button', { name: 'Show QR code' }).click();
  const uri = new URL(await readQrUri(page));
  const secret = uri.searchParams.get('secret')!;
  expect(((await dialog.getByTestId('otp-secret').textContent()) ?? '').replace(/\s+/g, '')).toBe(secret);
  expect(uri.host).toBe('totp');
  expect(decodeURIComponent(uri.pathname)).toContain(name);
  await expect(dialog.getByText(/Google Authenticator.*ignore the algorithm/)).toBeVisible();
  await shot(page, 'user-enroll-qr');

  // A wrong code keeps the factor pending; the right one (previous step, inside the window) activates it.
  await dialog.getByLabel('6-digit code from the device').fill('000000');
  await dialog.getByRole('button', { name: 'Confirm factor' }).click();
  await expect(dialog.getByText(/not right for this factor/)).toBeVisible();
  await dialog.getByLabel('6-digit code from the device').fill(totpCode(secret, Date.now() - 30_000));
  await dialog.getByRole('button', { name: 'Confirm factor' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('factors').getByRole('row', { name: /Work phone/ });
  await expect(row).toContainText('Authenticator app');
  await expect(row).toContainText('Active');

  // What the QR said is what the server checks: the current code verifies over the REST API.
  const verified = await rest(key, 'POST', '/verify', { user: name, code: totpCode(secret) });
  expect(verified.status).toBe(200);
  expect(verified.json.ok).toBe(true);
  await page.reload();
  await expect(page.getByTestId('factors').getByRole('row', { name: /Work phone/ })).toContainText('just now');
  await expect(page.getByTestId('user-activity')).toContainText('Code checked');
  await expect(page.getByTestId('user-activity')).toContainText('Factor confirmed');
});

test('HOTP: enroll with non-default digits, resync with two consecutive codes, remove with a reason', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('hotp');
  await rest(key, 'POST', '/users', { username: name });
  await openConsoleAsAdmin(page, `/users/${name}`);

  await page.getByRole('button', { name: 'Enroll a factor' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Hardware token (HOTP)').click();
  await dialog.getByLabel('Label').fill('Yubikey OTP');
  await dialog.getByRole('button', { name: /Advanced/ }).click();
  await dialog.getByLabel('Digits', { exact: true }).click();
  await page.getByRole('option', { name: '8' }).click();
  await dialog.getByRole('button', { name: 'Show QR code' }).click();
  const uri = new URL(await readQrUri(page));
  expect(uri.host).toBe('hotp');
  expect(uri.searchParams.get('digits')).toBe('8');
  await expect(dialog.getByText('Check that the app supports these settings')).toBeVisible();
  await shot(page, 'user-enroll-hotp');
  const secret = uri.searchParams.get('secret')!;
  const code8 = (c: number) => hotpCode({ secret, digits: 8 }, c);
  await dialog.getByLabel('8-digit code from the device').fill(code8(0));
  await dialog.getByRole('button', { name: 'Confirm factor' }).click();
  await expect(dialog).toBeHidden();

  // The token ran far ahead (pressed 50 times): resync with two consecutive codes.
  await page.getByRole('button', { name: 'Resynchronise Yubikey OTP' }).click();
  const resync = page.getByRole('dialog', { name: 'Resynchronise HOTP token' });
  await resync.getByLabel('First code').fill(code8(60));
  await resync.getByLabel('Next code').fill(code8(62));
  await resync.getByRole('button', { name: 'Resynchronise' }).click();
  await expect(resync.getByRole('alert')).toContainText('not consecutive codes');
  await resync.getByLabel('First code').fill(code8(60));
  await resync.getByLabel('Next code').fill(code8(61));
  await shot(page, 'user-hotp-resync');
  await resync.getByRole('button', { name: 'Resynchronise' }).click();
  await expect(resync).toBeHidden();
  expect((await rest(key, 'POST', '/verify', { user: name, code: code8(62) })).json.ok).toBe(true);
  expect((await rest(key, 'POST', '/verify', { user: name, code: code8(61) })).json.ok).toBe(false);

  // Remove: a reason is required and lands in the trail.
  await page.getByRole('button', { name: /^Remove HOTP token/ }).click();
  const remove = page.getByRole('dialog', { name: 'Remove this factor?' });
  await remove.getByRole('button', { name: 'Remove factor' }).click();
  await expect(remove.getByText('Give a reason: it is kept in the audit log')).toBeVisible();
  await remove.getByLabel('Reason').fill('token returned to IT');
  await shot(page, 'user-remove-factor');
  await remove.getByRole('button', { name: 'Remove factor' }).click();
  await expect(remove).toBeHidden();
  await expect(page.getByText('No factors yet')).toBeVisible();
  await expect(page.getByTestId('user-activity').getByRole('row', { name: /Factor removed/ })).toContainText('token returned to IT');
});

test('a throttled user is shown as such and can be unlocked with a reason', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const key = await createApiKey(admin, ['verify', 'provision']);
  const name = uniqueName('lock');
  await rest(key, 'POST', '/users', { username: name, displayName: 'Lou Locked' });
  const f = await rest(key, 'POST', `/users/${name}/factors`, { type: 'totp' });
  await rest(key, 'POST', `/users/${name}/factors/${f.json.id}/confirm`, { code: totpCode(f.json.secret, Date.now() - 30_000) });
  // Wrong codes until the throttle starts refusing (a few free attempts, then growing delays).
  let throttled = false;
  for (let i = 0; i < 12 && !throttled; i++) {
    const r = await rest(key, 'POST', '/verify', { user: name, code: '000000' });
    throttled = r.status === 429 || r.status === 423;
  }
  expect(throttled).toBe(true);

  await openConsoleAsAdmin(page, `/users/${name}`);
  await expect(page.getByText('This user is being throttled')).toBeVisible();
  await expect(page.getByText(/failed attempts in a row/)).toBeVisible();
  await shot(page, 'user-detail-throttled');
  await page.getByRole('button', { name: 'Unlock now' }).click();
  const dialog = page.getByRole('dialog', { name: `Unlock ${name}?` });
  await dialog.getByLabel('Reason').fill('caller verified, ticket 8812');
  await dialog.getByRole('button', { name: 'Unlock' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('This user is being throttled')).toBeHidden();
  await expect(page.getByTestId('user-activity').getByRole('row', { name: /Unlocked/ })).toContainText('caller verified, ticket 8812');
  expect((await rest(key, 'POST', '/verify', { user: name, code: totpCode(f.json.secret) })).json.ok).toBe(true);
});

test('an unknown user and an unknown page have clear empty states', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users/nobody-by-this-name');
  await expect(page.getByText('No such user')).toBeVisible();
  await shot(page, 'user-not-found');
  await page.getByRole('link', { name: 'Back to users' }).click();
  await expect(page).toHaveURL(/\/users$/);
  await page.goto('/no/such/page');
  await expect(page.getByText('Page not found')).toBeVisible();
  await expect(page.getByText('There is no console page at /no/such/page')).toBeVisible();
  await shot(page, 'not-found');
});
