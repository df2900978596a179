import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { completeSetupPage, expect, SESSION_COOKIE, shot, test, totpCode } from './support/console';
import { REPO_ROOT, startServerProcess, type ServerProcess } from './support/server';

/**
 * Issue 18 #10, the console's basics, each on a server of its own with a fresh data dir (the shared e2e
 * server is never empty, and the idle test needs a short idle timeout): the getting-started checklist on an
 * empty dashboard, page titles with one h1 and landmarks, the skip link, dark mode, the user page at 390 px,
 * and the warning before the idle sign-out.
 */

interface Console {
  server: ServerProcess;
  /** The admin's session cookie (from the setup page). */
  session: string;
}

async function freshConsole(browser: Browser, name: string, env?: Record<string, string>): Promise<Console> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-e2e-${name}-`));
  const server = await startServerProcess({ dataDir, logFile: path.join(REPO_ROOT, 'e2e', 'artifacts', `${name}-server.log`), ...(env ? { env } : {}) });
  const token = new URL(server.setupUrl!).searchParams.get('token');
  const context = await browser.newContext();
  const page = await context.newPage();
  await completeSetupPage(page, `${server.url}/setup?token=${token}`, { username: 'admin', displayName: 'Ada Lovelace-Byron of Example Corporation' });
  const session = (await context.cookies(server.url)).find((c) => c.name === SESSION_COOKIE)!.value;
  await context.close();
  return { server, session };
}

async function stopConsole(c: Console | undefined): Promise<void> {
  if (!c) return;
  await c.server.stop();
  fs.rmSync(c.server.dataDir, { recursive: true, force: true });
}

/** The page signed in as the admin on `c`, at `where`. */
async function open(page: Page, c: Console, where: string): Promise<void> {
  await page.context().addCookies([{ name: SESSION_COOKIE, value: c.session, url: c.server.url, httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${c.server.url}${where}`);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
}

/** A console call as the signed-in admin (the page's cookies), the way the console makes it. */
async function call<T = unknown>(page: Page, c: Console, procedure: string, input: unknown): Promise<T> {
  const res = await page.request.post(`${c.server.url}/trpc/${procedure}`, { data: input ?? null, headers: { 'x-tessera-csrf': '1' } });
  const body = await res.text();
  expect(res.status(), `${procedure}: ${body}`).toBe(200);
  return (JSON.parse(body) as { result: { data: T } }).result.data;
}

const schemeOf = (page: Page) => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
const backgroundOf = (page: Page, selector: string) => page.evaluate((s) => getComputedStyle(document.querySelector(s)!).backgroundColor, selector);

test.describe('console basics on a fresh server', () => {
  let c: Console;
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(90_000);
    c = await freshConsole(browser, 'basics');
  });
  test.afterAll(async () => stopConsole(c));

  test('an empty dashboard shows the getting-started checklist, ticked from what the server holds, and it can be hidden', async ({ page }) => {
    await open(page, c, '/dashboard');
    const list = page.getByTestId('getting-started');
    await expect(list).toBeVisible();
    await expect(list.getByRole('heading', { name: 'Getting started' })).toBeVisible();
    await expect(list).toContainText('0 of 6 done');
    for (const step of ['issuer', 'methods', 'users', 'bulkUsers', 'apiClient', 'firstVerify']) {
      await expect(list.getByTestId(`step-${step}`)).toContainText('(to do)');
    }
    await shot(page, 'console-basics-checklist-empty');

    // Real changes tick their steps: a first user, the issuer renamed.
    await call(page, c, 'users.create', { username: 'first.user', displayName: 'First User' });
    await call(page, c, 'settings.update', { issuer: 'Example Corp' });
    await page.reload();
    await expect(list).toContainText('2 of 6 done');
    await expect(list.getByTestId('step-users')).toContainText('(done)');
    await expect(list.getByTestId('step-issuer')).toContainText('(done)');
    await expect(list.getByTestId('step-apiClient')).toContainText('(to do)');
    await shot(page, 'console-basics-checklist-two-done');

    // Each step links to where it is done.
    await list.getByRole('link', { name: 'Create an API client' }).click();
    await expect(page).toHaveURL(/\/api-clients$/);
    await expect(page.getByRole('heading', { level: 1, name: 'API clients' })).toBeVisible();
    await page.goBack();
    await list.getByRole('link', { name: 'Connect a directory' }).click();
    await expect(page).toHaveURL(/\/directory$/);
    await page.goBack();

    // Hidden: gone, and still gone after a reload (remembered in this browser).
    await page.getByRole('button', { name: 'Hide the getting-started checklist' }).click();
    await expect(list).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(page.getByTestId('getting-started')).toHaveCount(0);
  });

  test('every page has its own title, exactly one h1 and the header, navigation and main landmarks', async ({ page }) => {
    await open(page, c, '/dashboard');
    await call(page, c, 'users.create', { username: 'title.user', displayName: 'Tilda Title' });
    const pages: [string, string][] = [
      ['/dashboard', 'Dashboard'],
      ['/users', 'Users'],
      ['/users/title.user', 'Tilda Title'],
      ['/rollout', 'Enrollment sheet rollout'],
      ['/audit', 'Audit log'],
      ['/settings', 'Methods & settings'],
      ['/directory', 'Directory'],
      ['/radius', 'RADIUS'],
      ['/api-clients', 'API clients'],
      ['/operators', 'Operators'],
      ['/profile', 'Your profile'],
      ['/no-such-page', 'Page not found'],
    ];
    for (const [where, name] of pages) {
      await page.goto(`${c.server.url}${where}`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
      await expect(page).toHaveTitle(`${name} — Tessera`);
      await expect(page.getByRole('banner')).toHaveCount(1);
      await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(1);
      await expect(page.getByRole('main')).toHaveCount(1);
    }
    // Signed out: the sign-in page is titled and has its one h1 too.
    await page.context().clearCookies();
    await page.goto(`${c.server.url}/login`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to Tessera');
    await expect(page).toHaveTitle('Sign in to Tessera');
    await expect(page.getByRole('main')).toHaveCount(1);
    await page.goto(`${c.server.url}/forgot-password`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
    await expect(page).toHaveTitle(/ — Tessera$/);
  });

  test('the skip link is the first Tab stop and takes the keyboard to the page content', async ({ page }) => {
    // The Users page puts the focus in its search box; the skip link is still the first of the page's Tab stops.
    await open(page, c, '/users');
    const firstStop = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]')];
      return all.find((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled)?.textContent;
    });
    expect(firstStop).toBe('Skip to content');
    await page.goto(`${c.server.url}/audit`);
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    const box = (await skip.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0); // shown while it has the focus
    await shot(page, 'console-basics-skip-link');
    await page.keyboard.press('Enter');
    await expect(page.locator('main#main')).toBeFocused();
    expect(new URL(page.url()).hash).toBe(''); // the router's address is left alone
    // The next Tab stop is inside the page, past the header and the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true);
  });

  test('dark mode follows the system by default; the header switch sets Light, Dark or System, remembered; printing stays light', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page, c, '/dashboard');
    expect(await schemeOf(page)).toBe('dark');
    expect(await backgroundOf(page, '.shell-header')).toBe('rgb(36, 36, 36)'); // the header is no white band
    // The system changes its mind: so does the console, live.
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => schemeOf(page)).toBe('light');
    expect(await backgroundOf(page, '.shell-header')).toBe('rgb(255, 255, 255)');

    // Dark on purpose, while the system is light.
    await page.getByRole('button', { name: 'Appearance: System' }).click();
    await expect(page.getByRole('menuitem', { name: 'System' })).toHaveAttribute('aria-current', 'true');
    await page.getByRole('menuitem', { name: 'Dark' }).click();
    await expect.poll(() => schemeOf(page)).toBe('dark');
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    expect(await schemeOf(page)).toBe('dark');
    await expect(page.getByRole('button', { name: 'Appearance: Dark' })).toBeVisible();
    await shot(page, 'console-basics-dark-dashboard');
    await page.goto(`${c.server.url}/users`);
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    expect(await backgroundOf(page, '.vt-scroll')).toBe('rgb(36, 36, 36)');
    await shot(page, 'console-basics-dark-users');

    // Paper is white: printed, the dark console is black on white.
    await page.emulateMedia({ media: 'print' });
    expect(await page.evaluate(() => getComputedStyle(document.body).color)).toBe('rgb(0, 0, 0)');
    expect(await backgroundOf(page, 'body')).toBe('rgb(255, 255, 255)');
    await page.emulateMedia({ media: 'screen' });

    // Light on purpose while the system is dark; then System follows the system again.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Appearance: Dark' }).click();
    await page.getByRole('menuitem', { name: 'Light' }).click();
    await expect.poll(() => schemeOf(page)).toBe('light');
    await page.getByRole('button', { name: 'Appearance: Light' }).click();
    await page.getByRole('menuitem', { name: 'System' }).click();
    await expect.poll(() => schemeOf(page)).toBe('dark');
  });

  test('at 390 px the user page lists factors as cards, actions included, with nothing wider than the screen', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, c, '/dashboard');
    const username = 'chloe.muller';
    await call(page, c, 'users.create', { username, displayName: 'Chloé Müller', email: 'chloe.muller@example.com' });
    const totp = await call<{ id: string; secret: string }>(page, c, 'users.enrollOtp', { username, factor: { type: 'totp', label: 'Work phone' } });
    await call(page, c, 'users.confirmFactor', { username, factorId: totp.id, code: totpCode(totp.secret) });
    await call(page, c, 'users.enrollOtp', { username, factor: { type: 'hotp', label: 'Key fob with a rather long label' } });
    await call(page, c, 'users.issueRecoveryCodes', { username });

    await page.goto(`${c.server.url}/users/${username}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Chloé Müller' })).toBeVisible();
    const cards = page.getByTestId('factor-card');
    await expect(cards).toHaveCount(2);
    await expect(page.getByRole('list', { name: 'Factors' })).toBeVisible(); // not the table
    await expect(cards.nth(0)).toContainText('Active');
    await expect(cards.filter({ hasText: 'Pending' })).toHaveCount(1);
    // Nothing scrolls sideways, and every button of every card is inside the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const card of await cards.all()) {
      for (const button of await card.getByRole('button').all()) {
        const b = (await button.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width).toBeLessThanOrEqual(390);
      }
    }
    // The header keeps Sign out and the appearance switch on the screen too.
    for (const button of [page.getByRole('button', { name: 'Sign out' }), page.getByRole('button', { name: /^Appearance: / })]) {
      const b = (await button.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(390);
      expect(
        await button.evaluate((el) => el.scrollWidth <= el.clientWidth && [...el.querySelectorAll('*')].every((x) => x.scrollWidth <= x.clientWidth + 1)),
      ).toBe(true); // not cut short inside
    }
    await shot(page, 'console-basics-user-390');
    // The actions work from the card.
    await cards
      .nth(0)
      .getByRole('button', { name: /^Remove / })
      .click();
    await expect(page.getByRole('dialog', { name: 'Remove this factor?' })).toBeVisible();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Wider again: the table comes back.
    await page.setViewportSize({ width: 1280, height: 844 });
    await expect(page.getByTestId('factor-card')).toHaveCount(0);
    await expect(page.getByTestId('factors')).toHaveRole('table');
  });
});

test.describe('the warning before the idle sign-out', () => {
  // A 24-second idle timeout on this server: the warning comes 8 s before the end (a third of it; 2 minutes at 30 minutes).
  let c: Console;
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(90_000);
    c = await freshConsole(browser, 'idle', { TESSERA_SESSION_IDLE_SECONDS: '24' });
  });
  test.afterAll(async () => stopConsole(c));

  test('warns with a countdown, "Stay signed in" extends the session on the server, and at zero the login page says why', async ({ page }) => {
    test.setTimeout(120_000);
    await open(page, c, '/users');
    const warning = page.getByRole('dialog', { name: 'Are you still there?' });
    await expect(warning).toBeVisible({ timeout: 40_000 });
    await expect(warning.getByTestId('idle-countdown')).toHaveText(/^0:0[0-8]$/);
    await expect(warning).toContainText('You will be signed out in');
    await shot(page, 'console-basics-idle-warning');

    const stayed = page.waitForResponse((r) => r.url().includes('/trpc/auth.staySignedIn'));
    await warning.getByRole('button', { name: 'Stay signed in' }).click();
    const answer = await stayed;
    expect(answer.status()).toBe(200);
    // The console batches its calls: one answer in a list.
    expect(((await answer.json()) as [{ result: { data: { idleRemainingMs: number } } }])[0].result.data.idleRemainingMs).toBe(24_000);
    await expect(warning).toBeHidden();
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

    // Left alone again: the warning comes back, runs out, and the console signs out for real.
    const cookie = (await page.context().cookies(c.server.url)).find((x) => x.name === SESSION_COOKIE)!.value;
    await expect(warning).toBeVisible({ timeout: 40_000 });
    await expect(page).toHaveURL(/\/login\?reason=idle&next=%2Fusers$/, { timeout: 30_000 });
    const notice = page.getByTestId('signed-out-notice');
    await expect(notice).toContainText('You were signed out');
    await expect(notice).toContainText('The console was not used for a while');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Tessera' })).toBeVisible();
    await shot(page, 'console-basics-idle-signed-out');
    const me = await fetch(`${c.server.url}/trpc/auth.me`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(((await me.json()) as { result: { data: unknown } }).result.data).toBeNull(); // the old session no longer works
  });
});
