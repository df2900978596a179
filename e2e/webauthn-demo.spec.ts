/**
 * WebAuthn through a real application: the demo app (e2e/demo-app, its own
 * page and backend on other loopback ports) calls Tessera's REST API with an
 * API key made by the CLI (RP ID localhost, the demo's origin). Chromium's
 * virtual authenticator (CDP) plays the security key / passkey.
 *
 * Covered: registering a key, signing in with password + key, with a passkey
 * alone, with password + TOTP; and each refusal with its reason, shown by the
 * app and in Tessera's audit log: a replayed response, a response from
 * another origin, an expired challenge, a lowered signature counter (a
 * cloned key: the credential copied into a second authenticator).
 */
import type { Page } from '@playwright/test';
import { startDemoApp, type DemoApp } from './demo-app/server';
import { expect, shot, test, tesseraUrl, totpCode } from './support/console';
import { freePort } from './support/server';
import {
  addVirtualAuthenticator,
  auditEntries,
  challengeOf,
  createKeyWithCli,
  credentialsOf,
  withDatabase,
  type VirtualAuthenticator,
} from './support/webauthn';

let demo: DemoApp;
let demoKey: string;
let auditKey: string;
let origin: string;
let otherOrigin: string;
/** Each run's demo users are distinct Tessera users (the e2e server is shared by every spec). */
const PREFIX = `nw${Date.now().toString(36)}-`;

test.beforeAll(async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  origin = `http://localhost:${p1}`;
  otherOrigin = `http://localhost:${p2}`;
  // Only the first port's origin is allowed: the second serves the same app from an origin Tessera must refuse.
  demoKey = await createKeyWithCli([
    '--name',
    `Northwind demo ${PREFIX}`,
    '--scopes',
    'verify,provision',
    '--rp-id',
    'localhost',
    '--rp-name',
    'Northwind Payroll',
    '--origin',
    origin,
  ]);
  auditKey = await createKeyWithCli(['--name', `webauthn audit ${PREFIX}`, '--scopes', 'audit']);
  demo = await startDemoApp({ tesseraUrl: tesseraUrl(), apiKey: demoKey, ports: [p1, p2], tesseraUserPrefix: PREFIX });
});

test.afterAll(async () => {
  await demo?.close();
});

const message = (page: Page) => page.locator('#message');

async function passwordStep(page: Page, user: string, at = origin): Promise<void> {
  await page.goto(at);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(`${user}-demo-password`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Second step' })).toBeVisible();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

/** First sign-in of a demo user without a second factor: the password, then setting up a key. */
async function registerThroughDemo(page: Page, user: string, label: string, beforeKey?: () => Promise<unknown>): Promise<void> {
  await passwordStep(page, user);
  await page.getByLabel('Name for the key (optional)').fill(label);
  await beforeKey?.();
  await page.getByRole('button', { name: 'Set up a security key' }).click();
  await expect(message(page)).toHaveText(`Security key added (${label}).`);
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
}

async function lastAuthEntry(user: string) {
  const [entry] = await auditEntries(auditKey, { action: 'webauthn.authenticate', user: PREFIX + user, limit: 1 });
  return entry;
}

test('register a security key through the demo app; sign in with password + key, and with a passkey alone; a replayed response is refused', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await addVirtualAuthenticator(page);
  await page.goto(origin);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await shot(page, 'webauthn-demo-1-sign-in');

  await registerThroughDemo(page, 'alice', 'Alice laptop', () => shot(page, 'webauthn-demo-2-first-key'));
  await expect(page.getByRole('heading', { name: 'Welcome, Alice Anders' })).toBeVisible();
  await shot(page, 'webauthn-demo-3-registered');
  const user = await (await fetch(`${tesseraUrl()}/api/v1/users/${PREFIX}alice`, { headers: { authorization: `Bearer ${demoKey}` } })).json();
  expect(user.factors).toEqual([
    expect.objectContaining({ type: 'webauthn', status: 'active', label: 'Alice laptop', webauthn: expect.objectContaining({ rpId: 'localhost' }) }),
  ]);
  const [registered] = await auditEntries(auditKey, { action: 'webauthn.register', user: `${PREFIX}alice` });
  expect(registered).toMatchObject({
    outcome: 'success',
    actor: { kind: 'apikey' },
    details: expect.objectContaining({ rpId: 'localhost', factorId: user.factors[0].id }),
  });

  // Password, then the key. The assertion the page sends is captured on its way (for the replay below).
  await signOut(page);
  await passwordStep(page, 'alice');
  await expect(page.getByRole('button', { name: 'Use security key / passkey' })).toBeVisible();
  let captured: unknown = null;
  await page.route('**/api/key/verify', async (route) => {
    captured = route.request().postDataJSON();
    await route.continue();
  });
  await page.getByRole('button', { name: 'Use security key / passkey' }).click();
  await expect(message(page)).toHaveText('Security key accepted.');
  await expect(page.getByRole('heading', { name: 'Welcome, Alice Anders' })).toBeVisible();
  await page.unroute('**/api/key/verify');
  expect(await lastAuthEntry('alice')).toMatchObject({ outcome: 'success', reason: null });

  // A passkey alone, no user name.
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(message(page)).toHaveText('Signed in with a passkey as alice.');
  await expect(page.getByRole('heading', { name: 'Welcome, Alice Anders' })).toBeVisible();
  await shot(page, 'webauthn-demo-4-passkey');
  expect(await lastAuthEntry('alice')).toMatchObject({ outcome: 'success' });

  // The captured response, sent again (as someone who recorded it would): its challenge is used up.
  await signOut(page);
  expect(captured).not.toBeNull();
  const replay = await page.evaluate(async (body) => {
    const res = await fetch('/api/passkey/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-demo': '1' },
      body: JSON.stringify(body),
    });
    return res.json();
  }, captured);
  expect(replay).toMatchObject({ ok: false, reason: 'challenge_unknown_or_used', message: expect.stringMatching(/already used/) });
  expect(await lastAuthEntry('alice')).toMatchObject({ outcome: 'failure', reason: 'challenge_unknown_or_used', actor: { kind: 'apikey' } });
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('a response made on another origin and an answer to an expired challenge are refused with their reasons, and audited', async ({ page }) => {
  test.setTimeout(90_000);
  await addVirtualAuthenticator(page);
  await registerThroughDemo(page, 'bob', 'Bob key');
  await signOut(page);

  // The same app (and the same key: RP ID localhost) from an origin that is not on the allow list.
  await page.goto(otherOrigin);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(message(page)).toContainText('Refused (origin_mismatch)');
  await shot(page, 'webauthn-demo-5-other-origin');
  const refused = await lastAuthEntry('bob');
  expect(refused).toMatchObject({ outcome: 'failure', reason: 'origin_mismatch' });
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // An expired challenge: the challenge row is aged past its 5 minutes while the browser's answer is on its way.
  await passwordStep(page, 'bob');
  await page.route('**/api/key/verify', async (route) => {
    const challenge = challengeOf((route.request().postDataJSON() as { response: { response: { clientDataJSON: string } } }).response);
    const changed = withDatabase((db) => db.prepare('UPDATE webauthn_challenges SET expires_at = created_at - 1 WHERE challenge = ?').run(challenge).changes);
    expect(changed).toBe(1);
    await route.continue();
  });
  await page.getByRole('button', { name: 'Use security key / passkey' }).click();
  await expect(message(page)).toContainText('Refused (challenge_expired)');
  await page.unroute('**/api/key/verify');
  expect(await lastAuthEntry('bob')).toMatchObject({ outcome: 'failure', reason: 'challenge_expired' });

  // A new challenge works again.
  await page.getByRole('button', { name: 'Use security key / passkey' }).click();
  await expect(message(page)).toHaveText('Security key accepted.');
});

test('a cloned key (its counter lower than the last one seen) is refused, flagged and audited; it stays refused', async ({ page }) => {
  test.setTimeout(90_000);
  const original = await addVirtualAuthenticator(page);
  await registerThroughDemo(page, 'carol', 'Carol key');
  await signOut(page);
  await passwordStep(page, 'carol');
  await page.getByRole('button', { name: 'Use security key / passkey' }).click();
  await expect(message(page)).toHaveText('Security key accepted.');
  await signOut(page);
  const [cred] = await credentialsOf(original);
  expect(cred!.signCount).toBeGreaterThan(0);

  // The private key copied into another authenticator, whose counter starts lower.
  await original.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: original.id });
  const clone: VirtualAuthenticator = await addVirtualAuthenticator(page, { cdp: original.cdp });
  await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.id, credential: { ...cred!, signCount: 0 } });
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(message(page)).toContainText('Refused (counter_regression)');
  await expect(message(page)).toContainText('cloned');
  await shot(page, 'webauthn-demo-6-clone-refused');
  const entry = await lastAuthEntry('carol');
  expect(entry).toMatchObject({ outcome: 'failure', reason: 'counter_regression', details: expect.objectContaining({ flagged: true, receivedCounter: 1 }) });
  expect((entry!.details as { storedCounter: number }).storedCounter).toBeGreaterThanOrEqual(1);

  // Flagged: refused from now on, whatever the counter, until an operator removes it.
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(message(page)).toContainText('Refused (credential_flagged)');
  const user = await (await fetch(`${tesseraUrl()}/api/v1/users/${PREFIX}carol`, { headers: { authorization: `Bearer ${demoKey}` } })).json();
  expect(user.factors[0].webauthn).toMatchObject({ flagReason: 'counter_regression', flaggedAt: expect.any(String) });
});

test('the same app with TOTP: password + code; then a key added while signed in; the second step offers both', async ({ page }) => {
  test.setTimeout(120_000);
  await addVirtualAuthenticator(page);
  // Dave's authenticator app, enrolled by the application over REST.
  const headers = { authorization: `Bearer ${demoKey}`, 'content-type': 'application/json' };
  const enrolled = await (
    await fetch(`${tesseraUrl()}/api/v1/users/${PREFIX}dave/factors`, { method: 'POST', headers, body: JSON.stringify({ type: 'totp' }) })
  ).json();
  const first = totpCode(enrolled.secret);
  const confirmed = await fetch(`${tesseraUrl()}/api/v1/users/${PREFIX}dave/factors/${enrolled.id}/confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ code: first }),
  });
  expect(confirmed.status).toBe(200);

  await passwordStep(page, 'dave');
  await expect(page.getByLabel('Code from your authenticator app')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use security key / passkey' })).toBeHidden();
  // The confirm used this step's code: wait for the next one.
  const step = Math.floor(Date.now() / 30_000);
  await page.waitForTimeout((step + 1) * 30_000 - Date.now() + 300);
  await page.getByLabel('Code from your authenticator app').fill(totpCode(enrolled.secret));
  await page.getByRole('button', { name: 'Verify code' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Dave Diaz' })).toBeVisible();

  await page.getByLabel('Name for a new key (optional)').fill('Dave passkey');
  await page.getByRole('button', { name: 'Add a security key' }).click();
  await expect(message(page)).toContainText('Security key added (Dave passkey');
  await signOut(page);
  await passwordStep(page, 'dave');
  await expect(page.getByRole('button', { name: 'Use security key / passkey' })).toBeVisible();
  await expect(page.getByLabel('Code from your authenticator app')).toBeVisible();
  await shot(page, 'webauthn-demo-7-code-or-key');
  await page.getByRole('button', { name: 'Use security key / passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Dave Diaz' })).toBeVisible();
});
