import { failProcedure } from './support/trpcFault';
import { createApiKey, expect, openConsoleAsAdmin, provisionTotpUser, rest, sessionFor, shot, test, totpCode, trpcOk, uniqueName } from './support/console';

interface Stats {
  users: number;
  usersWithoutFactor: number;
  pendingEnrollments: number;
  days: { day: string; enrollments: number; verifySuccess: number; verifyFailure: number; throttled: number; lockouts: number }[];
}

test('the dashboard shows the real numbers and charts, and its cards open the filtered lists', async ({ page }) => {
  test.setTimeout(60_000);
  const admin = await openConsoleAsAdmin(page, '/');
  // Some activity of today: users with and without a factor, accepted and wrong codes.
  const key = await createApiKey(admin, ['verify', 'provision']);
  const withFactor = uniqueName('dash-mfa');
  const { secret } = await provisionTotpUser(key, withFactor, { displayName: 'Dana Dashboard' });
  expect((await rest(key, 'POST', '/verify', { user: withFactor, code: totpCode(secret) })).json.ok).toBe(true);
  for (let i = 0; i < 3; i++) expect((await rest(key, 'POST', '/verify', { user: withFactor, code: '000000' })).json.ok).toBe(false);
  expect((await rest(key, 'POST', '/users', { username: uniqueName('dash-nofactor') })).status).toBe(201);

  const stats = await trpcOk<Stats>(await sessionFor(admin), 'dashboard.stats', { days: 30 }, 'query');
  const sum = (k: keyof Stats['days'][number]) => stats.days.reduce((n, d) => n + Number(d[k]), 0);
  expect(sum('verifyFailure')).toBeGreaterThanOrEqual(3);

  await page.goto('/dashboard');
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  const users = page.getByRole('link', { name: /^Users: / });
  await expect(users).toContainText(stats.users.toLocaleString('en'));
  const without = page.getByRole('link', { name: /^Without an active factor: / });
  await expect(without).toContainText(stats.usersWithoutFactor.toLocaleString('en'));
  await expect(page.getByRole('link', { name: /^Failed verifies: / })).toContainText(sum('verifyFailure').toLocaleString('en'));
  // Charts are drawn (SVG) with a text summary for screen readers.
  await expect(page.getByRole('img', { name: /^Verifications per day, last 30 days: Accepted \d+, Wrong code \d+/ })).toBeVisible();
  await expect(page.locator('.recharts-surface').first()).toBeVisible();
  await page.waitForTimeout(300);
  await shot(page, 'dashboard');

  // The period switch asks the server again.
  await page.getByText('7 days', { exact: true }).click();
  await expect(page.getByRole('img', { name: /^Verifications per day, last 7 days/ })).toBeVisible();

  // Keyboard: the card is a link; Enter opens the filtered user list.
  await without.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/users\?withoutFactor=1$/);
  await expect(page.getByRole('switch', { name: 'Only users without an active factor' })).toBeChecked();
  await expect(page.getByTestId('users-scroll')).toBeVisible();
  await expect(page.getByTestId('users-scroll').getByText('Active', { exact: true })).toHaveCount(0);

  // Failures open the audit log, filtered, for roles that may read it.
  await page.goto('/dashboard');
  await page.getByRole('link', { name: /^Failed verifies: / }).click();
  await expect(page).toHaveURL(/\/audit\?action=verify&outcome=failure$/);
});

test('a dashboard load error says so and offers a retry', async ({ page }) => {
  await openConsoleAsAdmin(page, '/users');
  const lift = await failProcedure(page, 'dashboard.stats');
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('alert')).toContainText('Could not load the dashboard', { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await shot(page, 'dashboard-error');
  await lift();
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('link', { name: /^Users: / })).toBeVisible();
});
