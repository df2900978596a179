import path from 'node:path';
import type { Page, Request } from '@playwright/test';
import { createApiKey, expect, openConsoleAsAdmin, test, uniqueName } from './support/console';
import { tesseraUrl } from './support/fixtures';
import { rest, screen } from './support/offPage';
import { SCREENS_DIR } from './support/shot';

/**
 * The /api-docs page: Swagger UI (swagger-ui-dist), served by Tessera under
 * its own CSP. Every CSP violation (eval included: the policy has no
 * 'unsafe-eval'), page error and request to another origin is recorded, and
 * the test fails on any.
 */
function watch(page: Page): { csp: () => Promise<string[]>; errors: string[]; outside: string[]; requests: Request[] } {
  const errors: string[] = [];
  const outside: string[] = [];
  const requests: Request[] = [];
  void page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('request', (req) => {
    requests.push(req);
    if (new URL(req.url()).origin !== new URL(tesseraUrl()).origin) outside.push(req.url());
  });
  return { csp: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), errors, outside, requests };
}

test.describe('Interactive API docs (Swagger UI)', () => {
  test('from the API clients page: POST /api/v1/verify tried out with a pasted key gets the API’s own answer; no CSP violation, page error or foreign request', async ({
    page,
  }) => {
    const seen = watch(page);
    const admin = await openConsoleAsAdmin(page, '/api-clients');
    await page.getByRole('link', { name: 'API docs' }).click();
    await expect(page).toHaveURL(/\/api-docs$/);
    await expect(page).toHaveTitle('API docs · Tessera');
    await expect(page.getByRole('banner')).toContainText('API docs');
    await expect(page.getByRole('link', { name: 'Back to the console' })).toHaveAttribute('href', '/api-clients');

    // Swagger UI drew the document: its title and version (the page's one h1), the server, every tag's operations.
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Tessera REST API\s*0\.1\.0\s*OAS 3\.1$/);
    await expect(page.locator('.servers select')).toHaveValue('/api/v1');
    const verify = page.locator('#operations-Verify-verify');
    await expect(verify.locator('.opblock-summary-method')).toHaveText('POST');
    await expect(verify.locator('.opblock-summary-path')).toHaveAttribute('data-path', '/verify');
    await expect(page.locator('.opblock-summary-path[data-path="/users/{username}"]').first()).toBeVisible();
    await screen(page, 'api-docs');
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-top.png') });

    // The key: Authorize with the document's bearer scheme. Not stored (persistAuthorization off).
    const provision = await createApiKey(admin, ['provision']);
    const key = await createApiKey(admin, ['verify']);
    const user = uniqueName('docs-user');
    expect((await rest(provision, 'POST', '/users', { username: user })).status).toBe(201);
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    const dialog = page.locator('.modal-ux');
    await expect(dialog.getByRole('heading', { name: /apiKey/ })).toBeVisible();
    await dialog.getByRole('textbox', { name: 'auth-bearer-value' }).fill(key); // Swagger UI's own label
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-authorize.png') });
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await expect(dialog.getByRole('button', { name: 'Remove authorization' })).toBeVisible();
    await expect(dialog.getByRole('textbox')).toHaveCount(0); // Swagger UI shows "******" once authorized
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(dialog).toHaveCount(0);

    // Try it out on POST /verify, with the body a real caller would send.
    await page.getByRole('button', { name: /^POST \/verify Check a user/ }).click();
    await expect(verify.getByText('Scopes: verify')).toBeVisible();
    await verify.getByRole('button', { name: 'Try it out' }).click();
    const body = verify.locator('textarea.body-param__text');
    await expect(body).toHaveValue(/"user"/);
    await body.fill(JSON.stringify({ user, code: '123456' }));
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/verify') && r.method() === 'POST');
    await verify.getByRole('button', { name: 'Execute' }).click();
    const request = await sent;
    const answer = await request.response();
    const shownStatus = verify.locator('.live-responses-table .response .response-col_status');
    await expect(shownStatus).toHaveText(String(answer!.status()));
    const shownBody = JSON.parse((await verify.locator('.live-responses-table .response-col_description pre').first().textContent()) ?? 'null');

    // What went over the wire: this server's /api/v1, the pasted key, no console cookie.
    expect(request.url()).toBe(`${tesseraUrl()}/api/v1/verify`);
    const headers = await request.allHeaders();
    expect(headers.authorization).toBe(`Bearer ${key}`);
    expect(headers.cookie).toBeUndefined();
    expect(JSON.parse(request.postData() ?? 'null')).toEqual({ user, code: '123456' });
    // The same call made directly gets the same answer (a wrong code for a user without factors: the same refusal).
    const direct = await rest(key, 'POST', '/verify', { user, code: '123456' });
    expect(answer!.status()).toBe(direct.status);
    expect(shownBody).toEqual(direct.json);
    expect(shownBody).toEqual(await answer!.json());
    await verify.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-try-it.png') });

    // The key was kept in memory only, and the interceptor refuses anything but this server's /api/v1.
    // (The console's own keys, e.g. its colour scheme, share the origin's storage: none holds the key.)
    const stored = await page.evaluate(() => [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => ({ k, v: s.getItem(k) ?? '' }))));
    expect(stored.filter((e) => e.v.includes(key) || e.k === 'authorized')).toEqual([]);
    const refused = await page.evaluate(() => {
      const intercept = (window as unknown as { ui: { getConfigs(): { requestInterceptor(r: { url: string }): unknown } } }).ui.getConfigs().requestInterceptor;
      return ['https://example.com/api/v1/verify', '/trpc/auth.me', '/api/v1/verify'].map((url) => {
        try {
          intercept({ url });
          return 'sent';
        } catch (e) {
          return (e as Error).message;
        }
      });
    });
    expect(refused).toEqual(['This page sends requests only to this server’s /api/v1', 'This page sends requests only to this server’s /api/v1', 'sent']);

    expect(await seen.csp()).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(seen.outside).toEqual([]);
    // Only our page, Swagger UI's two files, our two, the document and the one try: nothing fetched behind our back.
    const paths = [
      ...new Set(
        seen.requests
          .map((r) => new URL(r.url()).pathname)
          .filter((p) => p.startsWith('/api-docs') || p.startsWith('/api/') || p.startsWith('/console/api-docs')),
      ),
    ];
    expect(paths.sort()).toEqual(
      [
        '/api-docs',
        '/api-docs/init.js',
        '/api-docs/page.css',
        '/api-docs/swagger-ui-bundle.js',
        '/api-docs/swagger-ui.css',
        '/api/v1/verify',
        '/console/api-docs/openapi.json',
      ].sort(),
    );
  });

  test('signed out, the page says to sign in instead of failing', async ({ page }) => {
    const seen = watch(page);
    await page.context().clearCookies();
    await page.goto('/api-docs');
    await expect(page.getByRole('alert')).toHaveText('Sign in to the console first, then open this page again.');
    await expect(page.locator('#swagger-ui')).toBeEmpty();
    await page.screenshot({ path: path.join(SCREENS_DIR, 'api-docs-signed-out.png') });
    expect(await seen.csp()).toEqual([]);
    expect(seen.outside).toEqual([]);
  });
});
