/**
 * The desktop app in real Electron (Playwright's `_electron`): launch with a
 * fresh data folder, set up the first admin and sign in through the window,
 * check the preload surface and the hardening from inside the page, print a
 * page to PDF.
 *
 * Electron's binary cannot be downloaded on our build machines: there the
 * whole file skips with one line. Where the binary exists
 * (node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH), it builds
 * dist-electron/ and, once, better-sqlite3 for Electron's ABI (network access
 * to Electron's headers and a C++ toolchain), then runs. On Linux it needs a
 * display (e.g. `xvfb-run npx playwright test e2e/electron`); as root,
 * Chromium's sandbox needs --no-sandbox, which the spec then adds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { base32Decode, generateTotp, totpStep } from '../../server/core/index';
import { checkNativeSqlite, DIST_ELECTRON, findElectronRuntime, REPO_ROOT } from '../../electron/runtime';

const runtime = findElectronRuntime();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

/** Why the desktop tests cannot run here, or null. Shown as the one (skipped) test's title: one clear line in the report. */
const skipReason =
  'missing' in runtime
    ? 'Electron runtime not installed on this machine: desktop tests skipped (they run where the binary exists)'
    : noDisplay
      ? 'No display for Electron (DISPLAY and WAYLAND_DISPLAY unset): desktop tests skipped (run them under xvfb-run)'
      : null;

if (skipReason !== null) {
  test(skipReason, () => {
    test.skip(true, skipReason);
  });
} else {
  test.describe('desktop app (Electron)', () => {
    test.describe.configure({ mode: 'serial' });
    defineDesktopTests();
  });
}

function defineDesktopTests(): void {
  const PASSWORD = 'correct horse battery staple 42';
  let app: ElectronApplication;
  let page: Page;
  let home: string;

  /** A console call made by the page itself, so it goes through the window's session (and its launch secret). */
  async function trpcFromPage<T>(procedure: string, input: unknown): Promise<T> {
    const r = await page.evaluate(
      async ({ procedure, input }) => {
        const res = await fetch(`/trpc/${procedure}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tessera-csrf': '1' },
          body: JSON.stringify(input),
        });
        return { status: res.status, body: (await res.json()) as { result?: { data?: unknown }; error?: { message?: string } } };
      },
      { procedure, input },
    );
    if (r.status !== 200) throw new Error(`${procedure} → ${r.status}: ${r.body.error?.message ?? ''}`);
    return r.body.result?.data as T;
  }

  test.beforeAll(async () => {
    if ('missing' in runtime) return;
    test.setTimeout(10 * 60_000); // a first run builds better-sqlite3 for Electron (about 90 s)
    const { buildElectron } = await import('../../build/electron');
    await buildElectron();
    if (!checkNativeSqlite(DIST_ELECTRON, runtime.abi).ok) {
      const { rebuildSqliteForElectron } = await import('../../build/rebuildNative');
      await rebuildSqliteForElectron();
    }
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-desktop-e2e-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE' && k !== 'TESSERA_MASTER_KEY') env[k] = v;
    app = await _electron.launch({
      executablePath: runtime.binary,
      args: [...(process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : []), REPO_ROOT],
      env: { ...env, TESSERA_DATA: path.join(home, 'data'), TESSERA_USER_DATA: path.join(home, 'userData') },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  test.afterAll(async () => {
    await app?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('opens the console on http://localhost:PORT, at the first-admin setup page', async () => {
    expect(page.url()).toMatch(/^http:\/\/localhost:\d+\/setup\?token=/);
    await expect(page).toHaveTitle(/Tessera/);
    expect(app.windows()).toHaveLength(1);
    expect(await app.evaluate(({ app: electronApp }) => electronApp.getName())).toBe('Tessera');
  });

  test('the page gets window.tessera (print, openDataFolder, version) and no Node', async () => {
    const surface = await page.evaluate(() => ({
      keys: Object.keys(window.tessera ?? {}).sort(),
      version: window.tessera?.version(),
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(surface).toEqual({ keys: ['openDataFolder', 'print', 'version'], version: pkg.version, require: 'undefined', process: 'undefined' });
  });

  test('only this window reaches the console; applications still reach /healthz', async () => {
    const origin = new URL(page.url()).origin;
    const outside = await fetch(`${origin.replace('localhost', '127.0.0.1')}/`, { headers: { host: new URL(origin).host } });
    expect(outside.status).toBe(403);
    expect((await fetch(`${origin.replace('localhost', '127.0.0.1')}/healthz`)).status).toBe(200);
  });

  test('sets up the first admin and signs in through the window', async () => {
    const token = new URL(page.url()).searchParams.get('token')!;
    const enroll = await trpcFromPage<{ next: 'enroll'; ticket: string; secret: string }>('auth.setup', { token, username: 'admin', password: PASSWORD });
    expect(enroll.next).toBe('enroll');
    const now = Math.floor(Date.now() / 1000);
    const code = generateTotp({ secret: base32Decode(enroll.secret), algorithm: 'SHA1', digits: 6, period: 30 }, totpStep(now, 30) * 30);
    await trpcFromPage('auth.completeEnrollment', { ticket: enroll.ticket, code });
    await page.goto(`${new URL(page.url()).origin}/`);
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
  });

  test('navigation away and new windows are refused', async () => {
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'file:///etc/passwd';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => window.open('http://example.com/') === null)).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  test('prints a console page to PDF', async () => {
    await trpcFromPage('users.create', { username: 'print-me', displayName: 'Print Me' });
    await page.goto(`${new URL(page.url()).origin}/users/print-me`);
    await page.waitForLoadState('networkidle');
    const pdf = Buffer.from(
      await app.evaluate(async ({ BrowserWindow }) => {
        const pdfBytes = await BrowserWindow.getAllWindows()[0]!.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
        return pdfBytes.toString('base64');
      }),
      'base64',
    );
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);
    fs.mkdirSync(path.join(REPO_ROOT, 'e2e', 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'e2e', 'artifacts', 'desktop-print.pdf'), pdf);
  });
}
