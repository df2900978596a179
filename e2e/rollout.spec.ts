import fs from 'node:fs';
import path from 'node:path';
import { base32Encode, parseOtpauthUri } from '../server/core/index';
import { decodePdfQrCodes, renderPdfPages, requirePdfTools } from '../server/testing/pdfQr';
import {
  createApiKey,
  createUsers,
  expect,
  openConsoleAsAdmin,
  provisionTotpUser,
  rest,
  restVerify,
  shot,
  test,
  totpCode,
  uniqueName,
} from './support/console';
import { SCREENS_DIR } from './support/shot';
import type { Page } from '@playwright/test';

/** A full-page screenshot from the top (a scrolled page puts the sticky header mid-image), after transitions settle. */
async function screen(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(350);
  await shot(page, name);
}

/**
 * The batch rollout page, as an admin: a CSV selection, the dry run with who
 * is skipped and why, Generate with progress, the download — then every page
 * of the PDF is decoded and its codes checked through the REST API.
 */
test('admin: dry run, generate 5 sheets with progress, download; every page scans and its codes verify', async ({ page }) => {
  requirePdfTools(); // fails naming the apt package, never skips
  test.setTimeout(90_000);
  const prefix = uniqueName('roll');
  const admin = await openConsoleAsAdmin(page, '/rollout');
  const users = Array.from({ length: 5 }, (_, i) => `${prefix}-${i + 1}`);
  await createUsers(
    admin,
    users.map((username, i) => ({ username, displayName: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'][i]! })),
  );
  const key = await createApiKey(admin, ['verify', 'provision']);
  const withApp = `${prefix}-has-app`;
  await provisionTotpUser(key, withApp);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Enrollment sheet rollout' })).toBeVisible();
  await page.getByText('Users from a CSV file', { exact: true }).click();
  const csv = ['username,department', ...users.map((u) => `${u},Research`), `${prefix}-ghost,Research`, `${users[0]},Research`, `${withApp},Research`].join(
    '\n',
  );
  await page.locator('input[type=file]').setInputFiles({ name: 'rollout.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByText('rollout.csv')).toBeVisible();

  // Dry run: who gets a sheet, who is skipped and why; nothing changes.
  const before = await rest(key, 'GET', `/users/${encodeURIComponent(users[0]!)}`);
  await page.getByRole('button', { name: 'Dry run' }).click();
  const plan = page.getByTestId('rollout-plan');
  await expect(plan.getByText('5 sheets to print')).toBeVisible();
  await expect(plan.getByText('3 skipped')).toBeVisible();
  await expect(plan.getByText('no such user: 1')).toBeVisible();
  await expect(plan.getByText('duplicate in file: 1')).toBeVisible();
  await expect(plan.getByText('already has an active authenticator app: 1')).toBeVisible();
  await expect(page.getByTestId('rollout-gets').getByText('Grace Hopper')).toBeVisible();
  await screen(page, 'rollout-1-dry-run');
  await page.getByText(/^Skipped \(\d+\)$/).click();
  await expect(page.getByTestId('rollout-skipped').getByText(`${prefix}-ghost`)).toBeVisible();
  await screen(page, 'rollout-2-skipped');
  expect((await rest(key, 'GET', `/users/${encodeURIComponent(users[0]!)}`)).json).toEqual(before.json);

  // Generate: the progress card appears (watched in the page: five sheets take a moment), then the download.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="rollout-progress"]');
      if (el?.textContent && seen[seen.length - 1] !== el.textContent) seen.push(el.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Generate 5 sheets' }).click();
  await expect(page.getByRole('dialog')).toContainText('Each sheet issues a new secret');
  await screen(page, 'rollout-3-confirm');
  await page.getByRole('dialog').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByText('5 sheets ready')).toBeVisible({ timeout: 20_000 });
  const progressSeen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  expect(progressSeen.length, 'the progress line was shown while generating').toBeGreaterThan(0);
  expect(progressSeen[0]).toMatch(/^\d+ of 5 · /);
  await screen(page, 'rollout-4-done');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rollout-download').click()]);
  expect(download.suggestedFilename()).toMatch(/^enrollment-sheets-\d{4}-\d{2}-\d{2}-5\.pdf$/);
  const dir = test.info().outputPath('rollout-pdf');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'sheets.pdf');
  await download.saveAs(file);

  // Every page: the QR of that user's pending factor, in CSV order; its codes confirm and verify over REST.
  const pages = await decodePdfQrCodes(file, dir);
  expect(pages).toHaveLength(5);
  for (const [i, u] of users.entries()) {
    expect(pages[i], `page ${i + 1}`).toHaveLength(1);
    const f = parseOtpauthUri(pages[i]![0]!);
    expect(f.account).toBe(u);
    const detail = await rest(key, 'GET', `/users/${encodeURIComponent(u)}`);
    const pending = detail.json.factors.filter((x: { status: string }) => x.status === 'pending');
    expect(pending).toHaveLength(1);
    const secret = base32Encode(f.secret);
    // Confirm with the previous step's code and verify with the current one: both valid now, no waiting.
    const now = Date.now();
    const confirm = await rest(key, 'POST', `/users/${encodeURIComponent(u)}/factors/${pending[0].id}/confirm`, { code: totpCode(secret, now - 30_000) });
    expect(confirm.status, JSON.stringify(confirm.json)).toBe(200);
    expect((await restVerify(key, u, totpCode(secret, now))).body).toMatchObject({ ok: true });
  }

  // A copy of the first page as an image, for people to look at.
  const png = await renderPdfPages(file, path.join(dir, 'png'), 100);
  fs.copyFileSync(png[0]!.png, path.join(SCREENS_DIR, 'rollout-5-sheet-page-1.png'));
});
