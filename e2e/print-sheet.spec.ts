import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { base32Encode, parseOtpauthUri } from '../server/core/index';
import { decodePdfQrCodes, renderPdfPages, requirePdfTools } from '../server/testing/pdfQr';
import {
  createApiKey,
  createOperator,
  createUsers,
  expect,
  openConsoleAs,
  rest,
  restVerify,
  setupFirstAdmin,
  shot,
  test,
  totpCode,
  uniqueName,
} from './support/console';
import { SCREENS_DIR } from './support/shot';

/** A full-page screenshot from the top, after transitions settle. */
async function screen(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(350);
  await shot(page, name);
}

/** Clicks through the print dialog and returns the sheet PDF the console received, and the factor it enrolled. */
async function printSheet(page: Page, dir: string, name: string): Promise<{ uri: string; factorId: string; file: string }> {
  // The bytes the page receives, captured in flight (the console's CSP rightly lets no script read the blob: back).
  const captured: Buffer[] = [];
  await page.route(/\/console\/users\/[^/]+\/sheet$/, async (route) => {
    const res = await route.fetch();
    const body = await res.body();
    captured.push(body);
    await route.fulfill({ response: res, body });
  });
  await page.evaluate(() => {
    (window as unknown as { printed?: string[] }).printed = [];
  });
  await page.getByRole('button', { name: 'Print enrollment sheet' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Printing issues a new secret');
  await dialog.getByText('A4', { exact: true }).click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/console\/users\/[^/]+\/sheet$/.test(new URL(r.url()).pathname)),
    dialog.getByRole('button', { name: 'Issue new secret and print' }).click(),
  ]);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/pdf');
  expect(response.headers()['cache-control']).toBe('no-store');
  await expect(page.getByTestId('sheet-issued')).toBeVisible();
  // The browser prints the PDF itself from a hidden frame, not the console page.
  await expect(page.locator('iframe#tessera-print-frame')).toHaveAttribute('src', /^blob:/);
  await page.unrouteAll();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed?: string[] }).printed)).toEqual(['blob:']);
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, captured.shift()!);
  const [codes] = await decodePdfQrCodes(file, path.join(dir, name));
  expect(codes).toHaveLength(1);
  return { uri: codes![0]!, factorId: response.headers()['x-tessera-factor-id']!, file };
}

test('helpdesk prints a sheet from the user page; a reprint re-keys; auditors see no button', async ({ page }) => {
  requirePdfTools(); // fails naming the apt package, never skips
  test.setTimeout(90_000);
  // Headless Chromium has no print preview and crashes when a PDF frame prints; count the calls instead
  // (a real browser opens the system print dialog here). Only child frames: the console page must not print itself.
  await page.addInitScript(() => {
    if (window !== window.top) {
      window.print = () => {
        const top = window.top as unknown as { printed?: string[] };
        (top.printed ??= []).push(location.protocol);
      };
    }
  });
  const admin = await setupFirstAdmin(page);
  const helpdesk = await createOperator(admin, 'helpdesk', { displayName: 'Hal Helpdesk' });
  const key = await createApiKey(admin, ['verify', 'provision']);
  const username = uniqueName('print');
  await createUsers(admin, [{ username, displayName: 'Marie Curie', email: 'marie@example.com' }]);
  const dir = test.info().outputPath('sheets');
  fs.mkdirSync(dir, { recursive: true });

  await openConsoleAs(page, helpdesk, `/users/${encodeURIComponent(username)}`);
  await expect(page.getByRole('heading', { name: 'Marie Curie' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Print enrollment sheet' })).toBeVisible();
  await screen(page, 'print-sheet-1-user-page');

  // The dialog says what printing does before anything happens.
  await page.getByRole('button', { name: 'Print enrollment sheet' }).click();
  await expect(page.getByRole('dialog')).toContainText('stops working and is replaced by this one');
  await screen(page, 'print-sheet-2-confirm');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  expect((await rest(key, 'GET', `/users/${encodeURIComponent(username)}`)).json.factors).toEqual([]);

  // Print: the PDF's QR is the pending factor just enrolled.
  const first = await printSheet(page, dir, 'first');
  await screen(page, 'print-sheet-3-issued');
  expect(parseOtpauthUri(first.uri).account).toBe(username);
  let user = await rest(key, 'GET', `/users/${encodeURIComponent(username)}`);
  expect(user.json.factors.map((f: { id: string; status: string }) => [f.id, f.status])).toEqual([[first.factorId, 'pending']]);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('iframe#tessera-print-frame')).toHaveCount(0);

  // Reprint: a new secret; the old sheet's factor is gone and its codes confirm nothing.
  const second = await printSheet(page, dir, 'second');
  expect(second.factorId).not.toBe(first.factorId);
  expect(parseOtpauthUri(second.uri).secret).not.toEqual(parseOtpauthUri(first.uri).secret);
  user = await rest(key, 'GET', `/users/${encodeURIComponent(username)}`);
  expect(user.json.factors.map((f: { id: string }) => f.id)).toEqual([second.factorId]);
  const oldSecret = base32Encode(parseOtpauthUri(first.uri).secret);
  const newSecret = base32Encode(parseOtpauthUri(second.uri).secret);
  let now = Date.now();
  expect((await rest(key, 'POST', `/users/${encodeURIComponent(username)}/factors/${first.factorId}/confirm`, { code: totpCode(oldSecret, now) })).status).toBe(
    404,
  );
  expect(
    (await rest(key, 'POST', `/users/${encodeURIComponent(username)}/factors/${second.factorId}/confirm`, { code: totpCode(oldSecret, now) })).status,
  ).toBe(400);
  await page.getByRole('button', { name: 'Done' }).click();

  // The printed sheet works: its code confirms the factor, and the next code verifies.
  now = Date.now();
  const confirm = await rest(key, 'POST', `/users/${encodeURIComponent(username)}/factors/${second.factorId}/confirm`, {
    code: totpCode(newSecret, now - 30_000),
  });
  expect(confirm.status, JSON.stringify(confirm.json)).toBe(200);
  expect((await restVerify(key, username, totpCode(newSecret, now))).body).toMatchObject({ ok: true });

  // The sheet as printed, for people to look at.
  const [png] = await renderPdfPages(second.file, path.join(dir, 'png'), 100);
  fs.copyFileSync(png!.png, path.join(SCREENS_DIR, 'print-sheet-4-pdf-page.png'));

  // Auditors read users but do not print sheets.
  const auditor = await createOperator(admin, 'auditor');
  await openConsoleAs(page, auditor, `/users/${encodeURIComponent(username)}`);
  await expect(page.getByRole('heading', { name: 'Marie Curie' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Print enrollment sheet' })).toHaveCount(0);
});

test('a printed sheet is finished by signing in with its first code; helpdesk confirms another with a code (issue 18)', async ({ page }) => {
  requirePdfTools();
  test.setTimeout(90_000);
  // As above: the PDF frame's print is counted, not run (headless Chromium has no print preview).
  await page.addInitScript(() => {
    if (window !== window.top) {
      window.print = () => {
        const top = window.top as unknown as { printed?: string[] };
        (top.printed ??= []).push(location.protocol);
      };
    }
  });
  const admin = await setupFirstAdmin(page);
  const helpdesk = await createOperator(admin, 'helpdesk', { displayName: 'Hal Helpdesk' });
  const key = await createApiKey(admin, ['verify', 'provision']);
  const signer = uniqueName('signer');
  const caller = uniqueName('caller');
  await createUsers(admin, [
    { username: signer, displayName: 'Sam Signer' },
    { username: caller, displayName: 'Cleo Caller' },
  ]);
  const dir = test.info().outputPath('sheets-finish');
  fs.mkdirSync(dir, { recursive: true });

  // 1. The user signs in with the sheet's first code: the application's /verify says ok and the factor is active.
  await openConsoleAs(page, helpdesk, `/users/${encodeURIComponent(signer)}`);
  await expect(page.getByRole('heading', { name: 'Sam Signer' })).toBeVisible();
  const signed = await printSheet(page, dir, 'signer');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('factors').getByText('Pending')).toBeVisible();
  const signerSecret = base32Encode(parseOtpauthUri(signed.uri).secret);
  const first = await restVerify(key, signer, totpCode(signerSecret));
  expect(first.body).toEqual({ ok: true, factor: { id: signed.factorId, type: 'totp' } });
  // The same code again is a replay, said as such.
  expect((await restVerify(key, signer, totpCode(signerSecret))).body).toEqual({ ok: false, reason: 'code_already_used' });
  await page.reload();
  await expect(page.getByTestId('factors').getByText('Active')).toBeVisible();
  await expect(page.getByTestId('factors').getByText('Pending')).toHaveCount(0);
  const confirmed = page.getByTestId('user-activity').getByRole('row', { name: /Factor confirmed/ });
  await expect(confirmed).toContainText('confirmed by its first sign-in code');
  await screen(page, 'sheet-finished-by-sign-in');

  // 2. Helpdesk on the phone: the user reads the code from their app, helpdesk confirms the pending sheet factor.
  await page.goto(`/users/${encodeURIComponent(caller)}`);
  await expect(page.getByRole('heading', { name: 'Cleo Caller' })).toBeVisible();
  const called = await printSheet(page, dir, 'caller');
  await page.getByRole('button', { name: 'Done' }).click();
  const callerSecret = base32Encode(parseOtpauthUri(called.uri).secret);
  await page.getByRole('button', { name: 'Confirm “Enrollment sheet” with code' }).click();
  const dialog = page.getByRole('dialog', { name: `Confirm authenticator app for ${caller}` });
  await expect(dialog).toContainText('the user scanned the printed sheet');
  await expect(dialog).toContainText('the first code they sign in with confirms it');
  // A wrong code first: said on the field, nothing changes.
  const right = totpCode(callerSecret);
  await dialog.getByLabel('6-digit code from the device').fill(right === '000000' ? '111111' : '000000');
  await dialog.getByRole('button', { name: 'Confirm factor' }).click();
  await expect(dialog.getByText(/not right for this factor/)).toBeVisible();
  await screen(page, 'sheet-confirm-wrong-code');
  await dialog.getByLabel('6-digit code from the device').fill(totpCode(callerSecret));
  await screen(page, 'sheet-confirm-with-code');
  await dialog.getByRole('button', { name: 'Confirm factor' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Factor confirmed').first()).toBeVisible();
  await expect(page.getByTestId('factors').getByText('Active')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Confirm “Enrollment sheet” with code' })).toHaveCount(0);
  await screen(page, 'sheet-confirmed-by-helpdesk');
  const user = await rest(key, 'GET', `/users/${encodeURIComponent(caller)}`);
  expect(user.json.factors.map((f: { id: string; status: string }) => [f.id, f.status])).toEqual([[called.factorId, 'active']]);
});
