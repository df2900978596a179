import { expect, shot, test } from './support/fixtures';

test('the server answers /healthz and serves / under a strict CSP', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });

  const health = await page.goto('/healthz');
  expect(health?.status()).toBe(200);
  expect(await health?.json()).toMatchObject({ ok: true, version: expect.any(String) });

  const home = await page.goto('/');
  expect(home?.status()).toBe(200);
  const csp = home?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  await expect(page).toHaveTitle(/Tessera/);
  await page.waitForLoadState('networkidle');
  await shot(page, 'smoke-home');
  expect(problems).toEqual([]);
});
