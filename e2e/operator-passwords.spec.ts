import {
  browserSession,
  codeUsed,
  expect,
  forgetSession,
  freshCodeAfter,
  nextFreshCode,
  openConsoleAs,
  openConsoleAsAdmin,
  readShownSecret,
  rememberEnrolled,
  sessionFor,
  shot,
  test,
  trpc,
  uniqueName,
  type OperatorCreds,
} from './support/console';

/**
 * Issue 18 (5): an operator's password. A new operator's starting password
 * (the admin knows it) must be replaced at first sign-in — the console shows
 * nothing else and the server refuses everything else; later they change it
 * on their profile; an admin resets it to a temporary one; and "Forgot your
 * password?" says how to get back in. One operator goes through all of it.
 */
test.describe.configure({ mode: 'serial' });

const STARTING = 'starting password 2026';
const OWN = 'olga picks her own passphrase';
const LATER = 'and later another passphrase';
let olga: OperatorCreds;

test('an operator created by an admin must choose their own password at first sign-in; until then the server refuses the console', async ({ page }) => {
  const admin = await openConsoleAsAdmin(page, '/operators');
  const username = uniqueName('olga');
  await page.getByRole('button', { name: 'Add operator' }).click();
  const add = page.getByRole('dialog', { name: 'Add operator' });
  await add.getByLabel('Username').fill(username);
  await add.getByLabel('Display name').fill('Olga Auditor');
  await add.getByRole('radio', { name: 'Auditor' }).check();
  await add.getByLabel('Starting password').fill(STARTING);
  await add.getByRole('button', { name: 'Add operator' }).click();
  await expect(add).toBeHidden();
  const row = page.getByTestId(`operator-${username}`);
  await expect(row).toContainText('Temporary password');

  // Olga signs in on her own computer: password, then she enrolls her authenticator.
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(STARTING);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const secret = await readShownSecret(page);
  const { code, step } = await freshCodeAfter(secret, 0);
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Finish setup' }).click();

  // Only the new-password screen, no navigation.
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await expect(page.getByText('Your password was set by an administrator')).toBeVisible();
  await expect(page.getByRole('navigation')).toHaveCount(0);
  olga = { username, password: STARTING, totpSecret: secret, role: 'auditor', displayName: 'Olga Auditor' };
  await rememberEnrolled(page, olga, step);

  // The server itself refuses anything else with this session, in words and with a stable code.
  const session = (await browserSession(page))!;
  const refused = await trpc(session, 'audit.query', { limit: 5 }, { type: 'query' });
  expect(refused.status).toBe(403);
  expect(refused.error?.data?.tesseraCode).toBe('password_change_required');
  expect(refused.error?.message).toContain('Choose a new password before you continue');
  await page.goto('/audit');
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();

  // Refusals in words: the repeat differs; the new one is the starting one; a weak one.
  await page.getByLabel('Password you signed in with').fill(STARTING);
  await page.getByLabel(/^New password(?! again)/).fill(OWN);
  await page.getByLabel('New password again').fill(`${OWN}!`);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByText('The two new passwords are not the same.')).toBeVisible();
  await page.getByLabel(/^New password(?! again)/).fill('short');
  await page.getByLabel('New password again').fill('short');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
  await shot(page, 'operator-passwords-1-forced-change');

  // A wrong current password comes back from the server on its field.
  await page.getByLabel('Password you signed in with').fill('not the one I got');
  await page.getByLabel(/^New password(?! again)/).fill(OWN);
  await page.getByLabel('New password again').fill(OWN);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByText('That is not your current password.')).toBeVisible();

  await page.getByLabel('Password you signed in with').fill(STARTING);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Olga Auditor');
  olga = { ...olga, password: OWN };
  await rememberEnrolled(page, olga, step);
  expect((await trpc(session, 'audit.query', { limit: 5 }, { type: 'query' })).status).toBe(200);
  void admin;
});

test('she changes it on her profile later: a wrong current one is refused; her other sessions end, this one stays', async ({ page }) => {
  test.skip(!olga, 'needs the first test');
  // A second session of hers elsewhere (through the API: password and a fresh code).
  const step1 = await trpc<{ ticket: string }>(null, 'auth.login', { username: olga.username, password: olga.password });
  const { code, step } = await nextFreshCode(olga);
  const elsewhere = await trpc(null, 'auth.completeLogin', { ticket: step1.data!.ticket, code });
  expect(elsewhere.status).toBe(200);
  codeUsed(olga, step);
  const otherSession = /tessera_session=([A-Za-z0-9_-]+)/.exec(elsewhere.setCookie ?? '')![1]!;

  await openConsoleAs(page, olga, '/profile');
  const card = page.getByRole('region', { name: 'Password' });
  await expect(card).toContainText('Last changed');
  await card.getByRole('button', { name: 'Change password' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change your password' });
  await dialog.getByLabel('Current password').fill('a wrong current one');
  await dialog.getByLabel(/^New password(?! again)/).fill(LATER);
  await dialog.getByLabel('New password again').fill(LATER);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.getByText('That is not your current password.')).toBeVisible();
  await shot(page, 'operator-passwords-2-profile-wrong-current');
  await dialog.getByLabel('Current password').fill(olga.password);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Password changed')).toBeVisible();
  await shot(page, 'operator-passwords-3-profile-changed');
  olga = { ...olga, password: LATER };
  await rememberEnrolled(page, olga, step);

  // This browser stays signed in; the other session is over.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  expect((await trpc(otherSession, 'auth.me', undefined, { type: 'query' })).data ?? null).toBeNull();
  // The old password no longer signs in.
  const old = await trpc(null, 'auth.login', { username: olga.username, password: OWN });
  expect(old.status).toBe(401);
});

test('an admin resets it: re-authentication first, a temporary password shown once, her sessions end, she must change it again', async ({ page }) => {
  test.skip(!olga, 'needs the first test');
  const herSession = await sessionFor(olga);
  const admin = await openConsoleAsAdmin(page, '/operators');
  const row = page.getByTestId(`operator-${olga.username}`);
  await row.getByRole('button', { name: `More actions for ${olga.username}` }).click();
  await page.getByRole('menuitem', { name: 'Reset password…' }).click();
  const dialog = page.getByRole('dialog', { name: `Reset ${olga.username}’s password` });
  await expect(dialog).toContainText('Their authenticator app keeps working');
  await expect(dialog.getByRole('radio', { name: /Generate one/ })).toBeChecked();
  // Without the admin's own password or code, nothing happens.
  await dialog.getByRole('button', { name: 'Reset password' }).click();
  await expect(dialog.getByText('Type your password, or a code from your authenticator app.')).toBeVisible();
  await dialog.getByLabel(/Current password, or a code/).fill('not the admin password');
  await dialog.getByRole('button', { name: 'Reset password' }).click();
  await expect(dialog.getByText(/not your current password/)).toBeVisible();
  expect((await trpc(herSession, 'auth.me', undefined, { type: 'query' })).data).toBeTruthy();
  await dialog.getByLabel(/Current password, or a code/).fill(admin.password);
  await shot(page, 'operator-passwords-4-reset-dialog');
  await dialog.getByRole('button', { name: 'Reset password' }).click();

  const done = page.getByRole('dialog', { name: `${olga.username}’s password is reset` });
  const temporary = ((await done.getByTestId('temporary-password').textContent()) ?? '').trim();
  expect(temporary).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  await expect(done).toContainText('It will not be shown again');
  await expect(done).toContainText('They were signed out of their session');
  await shot(page, 'operator-passwords-5-reset-shown-once');
  await done.getByRole('button', { name: 'Done' }).click();
  await expect(row).toContainText('Temporary password');
  await shot(page, 'operator-passwords-6-operators-temporary');

  // Her session is over; the temporary password signs in (with her own authenticator) and must be replaced.
  expect((await trpc(herSession, 'auth.me', undefined, { type: 'query' })).data ?? null).toBeNull();
  forgetSession(olga);
  olga = { ...olga, password: temporary };
  const step1 = await trpc<{ next: string; ticket: string }>(null, 'auth.login', { username: olga.username, password: temporary });
  expect(step1.data?.next).toBe('totp');
  const { code, step } = await nextFreshCode(olga);
  const signed = await trpc<{ operator: { mustChangePassword: boolean } }>(null, 'auth.completeLogin', { ticket: step1.data!.ticket, code });
  codeUsed(olga, step);
  expect(signed.data?.operator.mustChangePassword).toBe(true);
  const entries = await trpc<{ items: { actor: { name: string }; details: { operator?: string; generated?: boolean } }[] }>(
    await sessionFor(admin),
    'audit.query',
    { action: 'operator.password.reset', limit: 5 },
    { type: 'query' },
  );
  expect(entries.data?.items[0]).toMatchObject({ actor: { name: admin.username }, details: { operator: olga.username, generated: true } });
  expect(JSON.stringify(entries.data)).not.toContain(temporary);
});

test('"Forgot your password?" says how to get back in, the last administrator included', async ({ page }) => {
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password or lost your phone?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page.getByRole('heading', { name: 'Forgot your password?', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Ask an administrator' })).toBeVisible();
  await expect(page.getByText('tessera operator reset-password YOUR-USERNAME')).toBeVisible();
  await expect(page.getByText(/Tessera does not email reset links/)).toBeVisible();
  await shot(page, 'operator-passwords-7-forgot');
  await page.getByRole('link', { name: 'Back to sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
});
