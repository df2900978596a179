import path from 'node:path';
import { createApiKey, expect, openConsoleAsAdmin, test, uniqueName } from './support/console';
import { tesseraUrl } from './support/fixtures';
import { rest, screen } from './support/offPage';
import { SCREENS_DIR } from './support/shot';

test.describe('Interactive API docs (admin)', () => {
  test('from the API clients page: every endpoint drawn from the OpenAPI document, the verify endpoint tried with a key, no CSP violation', async ({
    page,
  }) => {
    // Any refusal by the page's own CSP is recorded (init scripts run outside the page's policy).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const outside: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).origin !== new URL(tesseraUrl()).origin && !req.url().startsWith('data:')) outside.push(req.url());
    });

    const admin = await openConsoleAsAdmin(page, '/api-clients');
    await page.getByRole('link', { name: 'API docs' }).click();
    await expect(page).toHaveURL(/\/api-docs$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Tessera REST API' })).toBeVisible();
    await expect(page).toHaveTitle('API docs · Tessera');

    const verify = page.getByRole('region', { name: 'POST /api/v1/verify' });
    await expect(verify).toBeVisible();
    await expect(verify).toContainText('Scopes: verify');
    await expect(verify.getByText('Request body schema')).toBeVisible();
    await expect(verify.getByRole('list').first()).toContainText('200');
    await expect(page.getByRole('navigation', { name: 'Operations' }).getByRole('link', { name: /POST \/verify/ })).toBeVisible();
    await expect(page.getByRole('region', { name: /GET \/api\/v1\/users\/\{username\}/ }).first()).toBeVisible();
    await screen(page, 'api-docs');
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-top.png') });
    // The whole page is long: also what a screenful shows, at the verify endpoint.
    await verify.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-verify.png') });

    // Try it: without a key it says so; with one, the answer is the server's own.
    const provision = await createApiKey(admin, ['provision']);
    const key = await createApiKey(admin, ['verify']);
    const user = uniqueName('docs-user');
    expect((await rest(provision, 'POST', '/users', { username: user })).status).toBe(201);
    await verify.getByText('Try it').click();
    const body = verify.getByLabel('Request body (JSON)');
    await expect(body).toHaveValue(/"user"/);
    await body.fill(JSON.stringify({ user, code: '123456' }));
    const send = verify.getByRole('button', { name: 'Send POST /api/v1/verify' });
    await send.click();
    await expect(verify.getByRole('alert')).toHaveText('Enter an API key at the top of the page first.');
    await page.getByLabel('API key for "Try it"').fill(key);
    await send.click();
    const expected = await rest(key, 'POST', '/verify', { user, code: '123456' });
    await expect(verify.getByTestId('try-status')).toHaveText(new RegExp(`^HTTP ${expected.status}\\b`));
    const shown = JSON.parse((await verify.getByTestId('try-body').textContent()) ?? 'null');
    expect(shown).toEqual(expected.json);
    await verify.getByTestId('try-status').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-try-it.png') });

    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
  });

  test('signed out, the page says to sign in instead of failing', async ({ page }) => {
    await page.context().clearCookies();
    await page.goto('/api-docs');
    await expect(page.getByRole('alert')).toHaveText('Sign in to the console first, then open this page again.');
  });
});
