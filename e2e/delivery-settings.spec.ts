import net from 'node:net';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { startGatewayServer, sendJson, type TestGatewayServer } from '../server/testing/gatewayServer';
import { startSmtpServer, type TestSmtpServer } from '../server/testing/smtpServer';
import type { SmsGatewayConfigView, SmtpConfigView } from '../shared/schemas/delivery';
import type { Settings } from '../shared/schemas/settings';
import { createApiKey, expect, openConsoleAsAdmin, test, uniqueName, type OperatorCreds } from './support/console';
import { mutate, query, rest, screen } from './support/offPage';
import { SCREENS_DIR } from './support/shot';

/**
 * Email and SMS delivery from the Settings page, against a real SMTP server
 * and a real HTTP "gateway" started in this process on 127.0.0.1: save,
 * send a test message, see the server's own answer (green or red); turn
 * the methods on; the dashboard counts the codes sent.
 */

let smtp: TestSmtpServer;
let gateway: TestGatewayServer;
/** What the gateway answers next: 200 with "queued", or a refusal. */
let gatewayMode: 'ok' | 'refuse' = 'ok';

/** A loopback port nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One card, close up (the full page is too tall to read): e2e/artifacts/screens/NAME.png. */
async function cardShot(card: Locator, name: string): Promise<void> {
  // The sticky header (and toasts) would cover the card half-way down the page: hidden through the DOM (an injected <style> breaks the CSP).
  const hide = (v: string) =>
    card.page().evaluate((visibility) => {
      for (const el of document.querySelectorAll<HTMLElement>('.shell-header, .mantine-Notifications-root')) el.style.visibility = visibility;
    }, v);
  await hide('hidden');
  try {
    await card.screenshot({ path: path.join(SCREENS_DIR, `${name}.png`) });
  } finally {
    await hide('');
  }
}

async function delivery(admin: OperatorCreds) {
  return query<{ email: SmtpConfigView | null; sms: SmsGatewayConfigView | null }>(admin, 'settings.delivery');
}

async function pick(page: Page, combobox: ReturnType<Page['getByRole']>, option: string): Promise<void> {
  await combobox.click();
  await page.getByRole('option', { name: option }).click();
}

test.describe
  .serial('Email and SMS delivery settings (admin)', () => {
    test.beforeAll(async () => {
      smtp = await startSmtpServer();
      gateway = await startGatewayServer((req, res) => {
        if (gatewayMode === 'refuse') return sendJson(res, 401, { error: 'bad token' });
        return sendJson(res, 200, { status: 'queued', id: `m${gateway.requests.length}` });
      });
    });
    test.afterAll(async () => {
      await smtp?.close();
      await gateway?.close();
    });

    test('SMTP: saved, a test message arrives and the page shows the server’s 250 answer; a wrong port shows the error in red', async ({ page }) => {
      const admin = await openConsoleAsAdmin(page, '/settings');
      const card = page.getByTestId('delivery-email');
      await expect(card.getByRole('heading', { name: 'Email (SMTP)' })).toBeVisible();
      await expect(card).toContainText('Weaker than the other methods');

      // The schema's rules first: no TLS to another machine is refused, in words.
      await card.getByLabel('Host').fill('smtp.example.com');
      // Unsaved edits: a test would not go the way the edited settings say (an earlier spec may have saved some).
      await expect(card.getByRole('button', { name: 'Send test' })).toBeDisabled();
      await pick(page, card.getByRole('combobox', { name: 'TLS' }), 'None — this machine only');
      await card.getByLabel('From address').fill('mfa@tessera.test');
      await card.getByRole('button', { name: 'Save email settings' }).click();
      await expect(card.getByText(/A connection without TLS is allowed only to this machine/)).toBeVisible();
      await cardShot(card, 'delivery-smtp-card-invalid');

      await card.getByLabel('Host').fill('127.0.0.1');
      await card.getByLabel('Port').fill(String(smtp.port));
      await card.getByLabel('Timeout').fill('5');
      await card.getByLabel('Verify the server’s certificate').uncheck();
      await card.scrollIntoViewIfNeeded();
      await screen(page, 'delivery-smtp-filled');
      await card.getByRole('button', { name: 'Save email settings' }).click();
      await expect(page.getByText('Email settings saved').last()).toBeVisible();
      expect(await delivery(admin)).toMatchObject({ email: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'mfa@tessera.test', hasPassword: false } });

      // The test goes the way a code goes: the mail arrives, and the page shows the server's answer as it came.
      const to = `${uniqueName('ops')}@example.com`;
      await card.getByLabel('Send a test message to').fill(to);
      await card.getByRole('button', { name: 'Send test' }).click();
      const outcome = card.getByTestId('test-email-outcome');
      await expect(outcome).toContainText('Sent: the server answered');
      await expect(outcome).toContainText(/250 .*queued as T\d+/);
      const mail = await smtp.waitForMessage();
      expect(smtp.sessions.at(-1)!.envelope.to).toEqual([to]);
      expect(mail.from?.text).toContain('mfa@tessera.test');
      await outcome.scrollIntoViewIfNeeded();
      await page.waitForTimeout(200);
      await screen(page, 'delivery-smtp-test-sent');
      await cardShot(card, 'delivery-smtp-card-sent');

      // A port nothing listens on: saved, then the test says why, in red.
      await card.getByLabel('Port').fill(String(await closedPort()));
      await expect(card.getByRole('button', { name: 'Send test' })).toBeDisabled();
      await card.getByRole('button', { name: 'Save email settings' }).click();
      await expect(page.getByText('Email settings saved').last()).toBeVisible();
      await expect(card.getByRole('button', { name: 'Send test' })).toBeEnabled();
      await card.getByLabel('Send a test message to').fill(to);
      await card.getByRole('button', { name: 'Send test' }).click();
      await expect(outcome).toContainText('Not delivered: the server said', { timeout: 15_000 });
      const text = (await outcome.textContent()) ?? '';
      expect(text).toMatch(/refused|ECONNREFUSED|connect/i);
      await outcome.scrollIntoViewIfNeeded();
      await screen(page, 'delivery-smtp-test-failed');
      await cardShot(card, 'delivery-smtp-card-failed');

      // Back to the working server, for the codes sent below.
      await card.getByLabel('Port').fill(String(smtp.port));
      await card.getByRole('button', { name: 'Save email settings' }).click();
      await expect(page.getByText('Email settings saved').last()).toBeVisible();
      await expect.poll(async () => (await delivery(admin)).email?.port).toBe(smtp.port);
    });

    test('SMS: an HTTP gateway with a {{secret}} header is saved (the secret never shown again) and tested', async ({ page }) => {
      const admin = await openConsoleAsAdmin(page, '/settings');
      const card = page.getByTestId('delivery-sms');
      await expect(card).toContainText('Weaker than apps and keys');
      await expect(card.getByRole('combobox', { name: 'Gateway' })).toHaveValue('Generic HTTP gateway');
      await card.getByRole('textbox', { name: 'URL' }).fill(`${gateway.url}/send`);
      await card.getByRole('button', { name: 'Add header' }).click();
      await card.getByLabel('Header 1 name').fill('Authorization');
      await card.getByLabel('Header 1 value').fill('Bearer {{secret}}');
      await card.getByLabel('Success statuses').fill('200, 202');
      await card.getByLabel('Answer must contain').fill('"queued"');
      await card.getByLabel('Secret', { exact: true }).fill('gw-token-123');
      await card.scrollIntoViewIfNeeded();
      await screen(page, 'delivery-sms-filled');
      await card.getByRole('button', { name: 'Save SMS settings' }).click();
      await expect(page.getByText('SMS settings saved').last()).toBeVisible();
      const saved = await delivery(admin);
      expect(saved.sms).toMatchObject({ profile: 'http', url: `${gateway.url}/send`, successStatuses: [200, 202], hasSecret: true });
      expect(JSON.stringify(saved)).not.toContain('gw-token-123');
      // After the save the card starts again from the stored view: the secret field is empty and says one is stored.
      await expect(card.getByLabel('Secret', { exact: true })).toHaveValue('');
      await expect(card.getByLabel('Secret', { exact: true })).toHaveAttribute('placeholder', 'stored ••• — leave empty to keep');

      await card.getByLabel('Send a test message to').fill('+1 415 555 2671');
      await card.getByRole('button', { name: 'Send test' }).click();
      const outcome = card.getByTestId('test-sms-outcome');
      await expect(outcome).toContainText('Sent: the server answered');
      await expect(outcome).toContainText('200 OK');
      const req = gateway.requests.at(-1)!;
      expect(req.headers.authorization).toBe('Bearer gw-token-123');
      expect(JSON.parse(req.body)).toMatchObject({ to: '+14155552671' });
      await outcome.scrollIntoViewIfNeeded();
      await screen(page, 'delivery-sms-test-sent');
      await cardShot(card, 'delivery-sms-card-sent');

      // The gateway refuses: its answer, in red.
      gatewayMode = 'refuse';
      try {
        await card.getByRole('button', { name: 'Send test' }).click();
        await expect(outcome).toContainText('Not delivered: the server said');
        await expect(outcome).toContainText('Gateway answered 401');
        await expect(outcome).toContainText('bad token');
        await cardShot(card, 'delivery-sms-card-refused');
      } finally {
        gatewayMode = 'ok';
      }
    });

    test('Email and SMS are turned on from the methods card (each asks first); codes sent show on the dashboard', async ({ page }) => {
      test.setTimeout(60_000);
      const admin = await openConsoleAsAdmin(page, '/settings');
      const before = await query<Settings>(admin, 'settings.get');
      try {
        for (const label of ['Email code', 'Text message (SMS) code']) {
          const sw = page.getByRole('switch', { name: label });
          await expect(sw).toBeEnabled();
          await sw.click({ force: true });
          const dialog = page.getByRole('dialog', { name: `Turn on ${label}?` });
          await expect(dialog).toBeVisible();
          await expect(dialog).toContainText(/NIST SP 800-63B/);
          if (label === 'Email code') await screen(page, 'delivery-turn-on-email');
          await dialog.getByRole('button', { name: `Turn on ${label}` }).click();
          await expect(dialog).toBeHidden();
          await expect(sw).toBeChecked();
        }
        expect((await query<Settings>(admin, 'settings.get')).methods).toMatchObject({ email: true, sms: true });

        // Codes sent through REST: one email delivered, one SMS the gateway refuses.
        const key = await createApiKey(admin, ['provision']);
        const user = uniqueName('dash-send');
        expect((await rest(key, 'POST', '/users', { username: user })).status).toBe(201);
        const viaEmail = await rest(key, 'POST', `/users/${user}/factors`, { type: 'email', destination: `${user}@example.com` });
        expect(viaEmail.status).toBe(201);
        gatewayMode = 'refuse';
        try {
          // Another user: the resend wait is per user.
          const other = uniqueName('dash-send');
          expect((await rest(key, 'POST', '/users', { username: other })).status).toBe(201);
          expect((await rest(key, 'POST', `/users/${other}/factors`, { type: 'sms', destination: '+14155552671' })).status).toBe(502);
        } finally {
          gatewayMode = 'ok';
        }

        await page.goto('/dashboard');
        const chart = page.getByRole('img', { name: /^Codes sent by email and SMS, last 30 days: Sent [1-9]\d*, Not delivered [1-9]\d*/ });
        await expect(chart).toBeVisible();
        await page.waitForTimeout(300);
        await chart.scrollIntoViewIfNeeded();
        await screen(page, 'delivery-dashboard');
        await cardShot(chart.locator('xpath=ancestor::div[contains(@class,"mantine-Paper-root")][1]'), 'delivery-dashboard-chart');
      } finally {
        await mutate(admin, 'settings.update', { methods: { email: before.methods.email, sms: before.methods.sms } });
      }
    });
  });
