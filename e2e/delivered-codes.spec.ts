import { startSmtpServer, type TestSmtpServer } from '../server/testing/smtpServer';
import {
  createApiKey,
  createOperator,
  createUsers,
  expect,
  openConsoleAs,
  openConsoleAsAdmin,
  rest,
  sessionFor,
  setupFirstAdmin,
  shot,
  test,
  totpCode,
  trpcOk,
  uniqueName,
} from './support/console';

/**
 * Issue 13, "done when": email codes through a real SMTP server (in this
 * process), the challenge step over REST, and the lost-device flow with a
 * helpdesk's temporary code that ends when the user confirms a new factor.
 */

let smtp: TestSmtpServer;

/** The one-time code in a code mail (the first run of 6–8 digits in its text). */
async function mailedCode(to: string): Promise<string> {
  const mail = await smtp.waitForMessage(15_000);
  const recipients = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address));
  expect(recipients).toContain(to);
  const code = /\b(\d{6,8})\b/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in the mail: ${mail.text}`);
  return code;
}

test.beforeAll(async () => {
  smtp = await startSmtpServer();
});
test.afterAll(async () => {
  await smtp?.close();
});

test('email codes: enroll and confirm in the console, challenge and verify over REST; lost device: a temporary code until a new factor', async ({ page }) => {
  test.setTimeout(120_000);
  const admin = await setupFirstAdmin(page);
  const adminSession = await sessionFor(admin);
  // The settings cards may not be built yet: SMTP and the email method through the console API, as an admin.
  await trpcOk(adminSession, 'settings.setSmtp', { host: '127.0.0.1', port: smtp.port, tls: 'none', username: null, from: 'tessera@example.org' });
  const before = await trpcOk<{ methods: { email: boolean; sms: boolean }; resendSeconds: number }>(adminSession, 'settings.get', undefined, 'query');
  // SMS on too (no gateway needed to offer it): the dialog shows all four choices. No resend wait: the challenge below follows the enrollment's send at once.
  await trpcOk(adminSession, 'settings.update', { methods: { email: true, sms: true }, resendSeconds: 0 });

  try {
    const name = uniqueName('mail');
    const email = `${name}@example.org`;
    await createUsers(admin, [{ username: name, displayName: 'Mia Mail', email }]);

    // 1. The admin enrolls an email factor; the code from the captured mail confirms it.
    await openConsoleAsAdmin(page, `/users/${name}`);
    await page.getByRole('button', { name: 'Enroll a factor' }).first().click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('radio', { name: 'Text message (SMS)' })).toHaveCount(1);
    await dialog.getByRole('radio', { name: 'Email code' }).click();
    await expect(dialog.getByText('Weaker than the other methods')).toBeVisible();
    await expect(dialog.getByLabel('Email address')).toHaveValue(email);
    await shot(page, 'delivered-1-enroll-email');
    await dialog.getByRole('button', { name: 'Send code' }).click();
    await expect(dialog.getByText(/We sent a code to/)).toBeVisible();
    await expect(dialog.getByTestId('sent-destination')).toHaveText('m•••@example.org');
    const enrollCode = await mailedCode(email);
    await shot(page, 'delivered-2-code-sent');
    await dialog.getByLabel('Code from the email').fill('000000');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog.getByRole('textbox', { name: 'Code from the email' })).toHaveAttribute('aria-invalid', 'true');
    await shot(page, 'delivered-3-wrong-code');
    await dialog.getByLabel('Code from the email').fill(enrollCode);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId('factors').getByRole('row', { name: /Email code/ });
    await expect(row).toContainText('Active');
    await expect(row).toContainText('m•••@example.org');
    await expect(page.getByTestId('user-activity')).toContainText('Email to m•••@example.org, to confirm the factor');
    await shot(page, 'delivered-4-email-active');

    // 2. An application: challenge, the mailed code, verify with the transaction.
    const key = await createApiKey(admin, ['verify']);
    const ch = await rest(key, 'POST', '/challenge', { user: name });
    expect(ch.status).toBe(200);
    expect(ch.json).toMatchObject({ sent: true, channel: 'email', destination: 'm•••@example.org' });
    const signInCode = await mailedCode(email);
    const ok = await rest(key, 'POST', '/verify', { user: name, code: signInCode, transactionId: ch.json.transactionId });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, factor: { type: 'email' } });

    // 3. Helpdesk: lost device reset, then a temporary code, shown once.
    const helpdesk = await createOperator(admin, 'helpdesk');
    await openConsoleAs(page, helpdesk, `/users/${name}`);
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Reset lost device…' }).click();
    const reset = page.getByRole('dialog');
    await reset.getByLabel('Reason').fill('ticket #4711: phone and laptop stolen');
    await reset.getByLabel(/Type .* to confirm/).fill(name);
    await reset.getByRole('button', { name: 'Reset lost device' }).click();
    await expect(reset).toBeHidden();
    await expect(page.getByText('No factors yet')).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Lost device reset' })).toBeVisible();
    await shot(page, 'delivered-5-after-reset');

    const issueTemporary = async (uses: number): Promise<string> => {
      const d = page.getByRole('dialog');
      await d.getByLabel('Reason').fill('ticket #4711: identity checked by call-back');
      await expect(d.getByLabel('Works for (hours)')).toHaveValue('8');
      if (uses !== 1) await d.getByLabel('Uses').fill(String(uses));
      await d.getByRole('button', { name: 'Issue code' }).click();
      const shown = d.getByTestId('temporary-code');
      await expect(shown).toBeVisible();
      const code = ((await shown.textContent()) ?? '').trim();
      expect(code).toMatch(/^\d{4} \d{4} \d{4}$/);
      await expect(d.getByText('It stops working when the user confirms a new factor.')).toBeVisible();
      await expect(page.getByTestId('temporary-print-card')).toHaveCount(1);
      return code;
    };
    await page.getByRole('button', { name: 'Issue a temporary code' }).click();
    await expect(page.getByRole('dialog').getByLabel('Works for (hours)')).toBeVisible();
    await shot(page, 'delivered-6a-temporary-form');
    const firstCode = await issueTemporary(1);
    await shot(page, 'delivered-6-temporary-code');
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('dialog')).toBeHidden();
    // Shown once: nothing of it is left in the page.
    await expect(page.getByTestId('temporary-print-card')).toHaveCount(0);
    expect(await page.content()).not.toContain(firstCode);
    const card = page.getByTestId('temporary-code-card');
    await expect(card).toContainText('1 of 1 use left');
    await expect(card).toContainText(helpdesk.username);
    await shot(page, 'delivered-7-temporary-card');

    // Edit details: a bad number is refused inline, a good one is stored and shown masked.
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Edit details' }).click();
    const edit = page.getByRole('dialog');
    await edit.getByLabel('Phone').fill('12345');
    await edit.getByRole('button', { name: 'Save details' }).click();
    await expect(edit.getByText(/Phone number must include the country code/)).toBeVisible();
    await expect(edit.getByText(/keep the address or number they were confirmed with/)).toBeVisible();
    await shot(page, 'delivered-7a-edit-details');
    await edit.getByLabel('Phone').fill('+44 7911 123456');
    await edit.getByRole('button', { name: 'Save details' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByText('+•• ••• ••• ••56')).toBeVisible();

    // The application takes it once (type "temporary"); a second use is refused.
    const t1 = await rest(key, 'POST', '/verify', { user: name, code: firstCode });
    expect(t1.json).toMatchObject({ ok: true, factor: { type: 'temporary' } });
    const t2 = await rest(key, 'POST', '/verify', { user: name, code: firstCode });
    expect(t2.json).toMatchObject({ ok: false, reason: 'invalid_code' });
    await page.reload();
    await expect(page.getByTestId('temporary-code-card')).toHaveCount(0);

    // 4. Another temporary code, then a new TOTP: confirming it ends the temporary code.
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Issue a temporary code…' }).click();
    const secondCode = await issueTemporary(3);
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('temporary-code-card')).toContainText('3 of 3 uses left');

    await page.getByRole('button', { name: 'Enroll a factor' }).first().click();
    const enroll = page.getByRole('dialog');
    await enroll.getByLabel('Label').fill('New phone');
    await enroll.getByRole('button', { name: 'Show QR code' }).click();
    const secret = ((await enroll.getByTestId('otp-secret').textContent()) ?? '').replace(/\s+/g, '');
    await enroll.getByLabel('6-digit code from the device').fill(totpCode(secret, Date.now() - 30_000));
    await enroll.getByRole('button', { name: 'Confirm factor' }).click();
    await expect(enroll).toBeHidden();
    await expect(page.getByTestId('factors').getByRole('row', { name: /New phone/ })).toContainText('Active');
    await expect(page.getByTestId('temporary-code-card')).toHaveCount(0);
    await expect(page.getByTestId('user-activity')).toContainText('Temporary code revoked');
    await shot(page, 'delivered-8-new-factor');
    const t3 = await rest(key, 'POST', '/verify', { user: name, code: secondCode });
    expect(t3.json).toMatchObject({ ok: false, reason: 'invalid_code' });
  } finally {
    await trpcOk(adminSession, 'settings.update', { methods: { email: before.methods.email, sms: before.methods.sms }, resendSeconds: before.resendSeconds });
  }
});
