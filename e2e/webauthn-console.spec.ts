/**
 * WebAuthn in the console beside TOTP: a user's security key in their factor
 * list (model, relying party; rename; remove), and an API client's WebAuthn
 * relying party set on the API clients page. The key is made by Chromium's
 * virtual authenticator on a page at an origin the application allows, the
 * way an application's own page would.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { SCREENS_DIR } from './support/shot';
import { expect, openConsoleAsAdmin, shot, test, tesseraUrl, trpcOk, sessionFor, uniqueName, setupFirstAdmin } from './support/console';
import { addVirtualAuthenticator, tesseraByName } from './support/webauthn';

async function rest(key: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${tesseraUrl()}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

/** Registers a key for `user` with the application `key`, the browser part done on `page` (at an allowed origin). */
async function registerInBrowser(page: Page, key: string, user: string): Promise<any> {
  const options = await rest(key, '/webauthn/registration/options', { user });
  const response = await page.evaluate(async (json) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json);
    const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
    return credential.toJSON();
  }, options);
  return rest(key, '/webauthn/registration/verify', { user, response, label: 'Office key' });
}

test("a user's security key in the console: model and relying party shown, renamed, removed — next to their TOTP", async ({ page }) => {
  test.setTimeout(90_000);
  const admin = await setupFirstAdmin(page);
  const session = await sessionFor(admin);
  const origin = tesseraByName();
  const app = await trpcOk<{ id: string; key: string }>(session, 'apiKeys.create', {
    name: uniqueName('kiosk'),
    scopes: ['provision', 'verify'],
    webauthn: { rpId: 'localhost', rpName: 'Kiosk', origins: [origin] },
  });
  const user = uniqueName('keyholder');
  await trpcOk(session, 'users.create', { username: user, displayName: 'Kim Keyholder' });

  await addVirtualAuthenticator(page);
  await page.goto(`${origin}/healthz`);
  const registered = await registerInBrowser(page, app.key, user);
  expect(registered).toMatchObject({ ok: true, factor: { type: 'webauthn', label: 'Office key' } });

  await openConsoleAsAdmin(page, `/users/${encodeURIComponent(user)}`);
  const factors = page.getByTestId('factors');
  const row = factors.getByRole('row', { name: /Office key/ });
  await expect(row).toContainText('Security key');
  await expect(row).toContainText('Unknown model · localhost');
  await shot(page, 'webauthn-console-1-user-key');

  await row.getByRole('button', { name: /^Rename/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename security key' });
  await dialog.getByLabel('Name').fill('Front desk YubiKey');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog).toBeHidden();
  await expect(factors.getByRole('row', { name: /Front desk YubiKey/ })).toBeVisible();

  await factors
    .getByRole('row', { name: /Front desk YubiKey/ })
    .getByRole('button', { name: /^Remove/ })
    .click();
  const confirm = page.getByRole('dialog', { name: 'Remove this factor?' });
  await confirm.getByLabel(/Reason/).fill('Key handed back');
  await confirm.getByRole('button', { name: 'Remove factor' }).click();
  await expect(factors).toBeHidden();
  const detail = await trpcOk<{ factors: unknown[] }>(session, 'users.get', { username: user }, 'query');
  expect(detail.factors).toEqual([]);
});

test("an API client's WebAuthn relying party is set on the API clients page, checked like the server checks it", async ({ page }) => {
  test.setTimeout(60_000);
  const admin = await setupFirstAdmin(page);
  const name = uniqueName('portal');
  await trpcOk(await sessionFor(admin), 'apiKeys.create', { name, scopes: ['verify'] });
  await openConsoleAsAdmin(page, '/api-clients');
  await page.getByRole('button', { name: `WebAuthn relying party of ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `WebAuthn relying party — ${name}` });
  await expect(dialog.getByText('No relying party yet')).toBeVisible();
  await dialog.getByLabel('RP ID').fill('192.168.1.10');
  await dialog.getByLabel('Allowed origins').fill('https://192.168.1.10');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText(/cannot be an IP address/)).toBeVisible();

  await dialog.getByLabel('RP ID').fill('portal.example.com');
  await dialog.getByLabel('Allowed origins').fill('https://portal.example.com\nhttp://portal.example.com');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText(/must use https/)).toBeVisible();

  await dialog.getByLabel('Allowed origins').fill('https://portal.example.com\nhttps://sso.portal.example.com');
  await dialog.getByRole('switch', { name: /^Require user verification/ }).check();
  await dialog.getByLabel(/Allowed authenticator models/).fill('cb69481e-8ff7-4039-93ec-0a2729a154a8');
  await expect(dialog.getByText('YubiKey 5 Series')).toBeVisible();
  await expect(dialog.getByText(/must use https/)).toBeHidden(); // errors go as the field is edited
  // The dialog alone: behind it the list of every API client the run made.
  await dialog.screenshot({ path: path.join(SCREENS_DIR, 'webauthn-console-2-relying-party.png') });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('WebAuthn relying party saved')).toBeVisible();

  const keys = await trpcOk<{ id: string; name: string }[]>(await sessionFor(admin), 'apiKeys.list', undefined, 'query');
  const id = keys.find((k) => k.name === name)!.id;
  const rp = await trpcOk(await sessionFor(admin), 'apiKeys.getWebauthn', { apiKeyId: id }, 'query');
  expect(rp).toMatchObject({
    rpId: 'portal.example.com',
    origins: ['https://portal.example.com', 'https://sso.portal.example.com'],
    requireUserVerification: true,
    aaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
  });
});
