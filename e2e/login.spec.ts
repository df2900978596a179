import {
  browserSession,
  codeUsed,
  createOperator,
  E2E_PASSWORD,
  expect,
  forgetSession,
  freshCodeAfter,
  nextFreshCode,
  readShownSecret,
  rememberEnrolled,
  setupFirstAdmin,
  shot,
  signIn,
  test,
  trpc,
  uniqueName,
} from './support/console';

test.describe('sign-in', () => {
  test('password, then the operator’s own code; wrong password and wrong code are refused clearly', async ({ page }) => {
    const admin = await setupFirstAdmin(page);
    await page.context().clearCookies();
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();

    // The form checks with the shared schema before asking the server.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Username must not be empty')).toBeVisible();
    await expect(page.getByText('Password is required')).toBeVisible();
    await shot(page, 'login-empty');

    // A wrong password says nothing about whether the user exists.
    await page.getByLabel('Username').fill(admin.username);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password');
    await shot(page, 'login-wrong-password');

    // Right password, wrong code, then the right code (keyboard: Enter submits).
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(admin.password);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
    await expect(page.getByLabel('6-digit code')).toBeFocused();
    await page.getByLabel('6-digit code').fill('12345');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('Enter the 6-digit code from your authenticator app')).toBeVisible();
    await page.getByLabel('6-digit code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('That code is not right')).toBeVisible();
    await shot(page, 'login-wrong-code');
    const { code, step } = await nextFreshCode(admin);
    await page.getByLabel('6-digit code').fill(code);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    codeUsed(admin, step);
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole('banner')).toContainText('Administrator');
  });

  test('a deep link survives sign-in (?next=), and sign-out ends the session on the server', async ({ page }) => {
    const admin = await setupFirstAdmin(page);
    await page.context().clearCookies();
    await page.goto('/users?withoutFactor=1');
    await expect(page).toHaveURL(/\/login\?next=%2Fusers%3FwithoutFactor%3D1$/);
    await signIn(page, admin, { screenshots: 'login' });
    await expect(page).toHaveURL(/\/users\?withoutFactor=1$/);
    await expect(page.getByRole('switch', { name: 'Only users without an active factor' })).toBeChecked();

    const session = await browserSession(page);
    expect((await trpc(session!, 'auth.me', undefined, { type: 'query' })).data).toBeTruthy();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
    forgetSession(admin);
    // The old cookie is dead on the server, not only gone from the browser.
    expect((await trpc(session!, 'auth.me', undefined, { type: 'query' })).data).toBeNull();
  });

  test('an operator created by an admin enrolls their own authenticator at first sign-in', async ({ page }) => {
    const admin = await setupFirstAdmin(page);
    const fresh = await createOperator(admin, 'helpdesk', { username: uniqueName('hd-first'), displayName: 'Harriet Helpdesk', enroll: false });
    await page.context().clearCookies();
    await page.goto('/login');
    await page.getByLabel('Username').fill(fresh.username);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(E2E_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Add your authenticator' })).toBeVisible();
    await expect(page.getByTestId('otp-qr')).toBeVisible();
    const secret = await readShownSecret(page);
    await shot(page, 'login-first-sign-in-enroll');
    const { code, step } = await freshCodeAfter(secret, 0);
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Finish setup' }).click();
    // The starting password is the admin's: she chooses her own before anything else (operator-passwords.spec.ts covers the refusals).
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await page.getByLabel('Password you signed in with').fill(E2E_PASSWORD);
    await page.getByLabel(/^New password(?! again)/).fill(`${E2E_PASSWORD} mine`);
    await page.getByLabel('New password again').fill(`${E2E_PASSWORD} mine`);
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Harriet Helpdesk');
    await expect(page.getByRole('banner')).toContainText('Helpdesk');
    // Helpdesk starts on the user list.
    await expect(page).toHaveURL(/\/users$/);
    await rememberEnrolled(page, { ...fresh, password: `${E2E_PASSWORD} mine`, totpSecret: secret }, step);
  });

  test('a code can be used once: replaying it is refused', async ({ page }) => {
    const admin = await setupFirstAdmin(page);
    const op = await createOperator(admin, 'auditor');
    const first = await trpc<{ ticket: string }>(null, 'auth.login', { username: op.username, password: op.password });
    const { code, step } = await nextFreshCode(op); // the enrollment used the current step, so this may wait for the next
    const ok = await trpc(null, 'auth.completeLogin', { ticket: first.data!.ticket, code });
    expect(ok.status).toBe(200);
    codeUsed(op, step);
    const second = await trpc<{ ticket: string }>(null, 'auth.login', { username: op.username, password: op.password });
    const replay = await trpc(null, 'auth.completeLogin', { ticket: second.data!.ticket, code });
    expect(replay.status).toBe(400);
    expect(replay.error?.message).toMatch(/not right/);
    void page;
  });
});
