import { createApiKey, expect, openConsoleAsAdmin, provisionTotpUser, test, totpCode, uniqueName } from './support/console';
import { query, screen } from './support/offPage';
import type { RadiusClientView, RadiusStatusView } from '../shared/schemas/radius';
import { radclient, withMA } from '../server/services/radius/radclient.testkit';

/**
 * RADIUS in the console: the e2e server listens for RADIUS on a free UDP port
 * (global-setup sets TESSERA_RADIUS_PORT=0). An admin adds a client with a
 * generated secret, a real radclient signs a user in through it, the audit
 * log shows those sign-ins naming the client, and the page shows the last
 * request and the dropped-packet counters.
 */

test.describe('RADIUS (admin)', () => {
  test('add a client, sign in through it with radclient, see it in the audit log and the counters; edit and remove it', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const admin = await openConsoleAsAdmin(page, '/radius');
    await expect(page.getByRole('heading', { name: 'RADIUS', exact: true })).toBeVisible();
    const status = await query<RadiusStatusView>(admin, 'radius.status');
    expect(status).toMatchObject({ listening: true, host: '127.0.0.1', port: expect.any(Number) });
    const listener = page.getByLabel('RADIUS listener');
    await expect(listener).toContainText('On');
    await expect(listener).toContainText(`Listening on UDP 127.0.0.1:${status.port}`);
    const first = (await query<RadiusClientView[]>(admin, 'radius.list')).length === 0;
    if (first) {
      await expect(page.getByText('No RADIUS clients yet')).toBeVisible();
      await screen(page, 'radius-empty');
    }

    await page.getByRole('button', { name: 'New RADIUS client' }).click();
    const dialog = page.getByRole('dialog', { name: 'New RADIUS client' });
    // The shared schema's messages, in words.
    await dialog.getByLabel('Shared secret').fill('too-short');
    await dialog.getByLabel('Source address').fill('vpn.example.org');
    await dialog.getByRole('button', { name: 'Add client' }).click();
    await expect(dialog.getByText('Name must not be empty')).toBeVisible();
    await expect(dialog.getByText('Address must be an IP address or a CIDR block (192.0.2.0/24, 2001:db8::/32)')).toBeVisible();
    await expect(dialog.getByText('The shared secret must be at least 16 characters')).toBeVisible();
    await screen(page, 'radius-new-errors');

    const name = uniqueName('OpenVPN gateway');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Source address').fill('127.0.0.1');
    await dialog.getByRole('button', { name: 'Generate secret' }).click();
    await expect(dialog.getByText('The shared secret must be at least 16 characters')).toBeHidden();
    await expect(dialog.getByRole('radio', { name: 'Code only' })).toBeChecked();
    await expect(dialog.getByRole('switch', { name: 'Require Message-Authenticator' })).toBeChecked();
    await screen(page, 'radius-new');
    await dialog.getByRole('button', { name: 'Add client' }).click();

    const saved = page.getByRole('dialog', { name: 'RADIUS client saved' });
    await expect(saved).toContainText('It will not be shown again');
    const secret = (await saved.getByTestId('radius-secret').textContent())!.trim();
    expect(secret).toMatch(/^[\w-]{32}$/);
    await saved.getByRole('button', { name: 'Copy secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screen(page, 'radius-secret-once');
    await page.keyboard.press('Escape');
    await expect(saved).toBeVisible();
    await saved.getByRole('button', { name: 'I have stored the secret' }).click();
    await expect(saved).toBeHidden();

    const row = page.getByRole('row', { name: new RegExp(name) });
    await expect(row).toContainText('127.0.0.1');
    await expect(row).toContainText('Code only');
    await expect(row).toContainText('Required');
    await expect(row).toContainText('None yet');
    // The secret is never sent back to the console.
    const listed = (await query<RadiusClientView[]>(admin, 'radius.list')).find((c) => c.name === name)!;
    expect(JSON.stringify(listed)).not.toContain(secret);

    // A VPN user signs in through the NAS: real radclient, PAP with Message-Authenticator.
    const apiKey = await createApiKey(admin, ['provision']);
    const username = uniqueName('vpn-user').toLowerCase();
    const { secret: seed } = await provisionTotpUser(apiKey, username);
    const ok = await radclient(status.port!, withMA({ 'User-Name': username, 'User-Password': totpCode(seed) }), secret);
    expect(ok.reply).toBe('Access-Accept');
    const wrong = await radclient(status.port!, withMA({ 'User-Name': username, 'User-Password': '000000' }), secret);
    expect(wrong.reply).toBe('Access-Reject');
    expect(wrong.out).toContain('Reply-Message = "Wrong code"');
    // A wrong shared secret: dropped without a reply, and counted.
    const dropped = await radclient(status.port!, withMA({ 'User-Name': username, 'User-Password': '123456' }), 'not-the-secret-at-all');
    expect(dropped.reply).toBeNull();

    // The audit log: the two sign-ins, each naming the client.
    await page.goto(`/audit?user=${encodeURIComponent(username)}`);
    const grid = page.getByRole('grid');
    const radiusRows = grid.getByRole('row').filter({ hasText: `radius:${name}` });
    await expect(radiusRows).toHaveCount(2);
    await expect(radiusRows.filter({ hasText: 'invalid_code' })).toHaveCount(1);
    await screen(page, 'radius-audit');
    // The entry in full: the client by name as the actor, the NAS's address.
    await radiusRows.filter({ hasText: 'invalid_code' }).click();
    const drawer = page.getByRole('dialog', { name: /^Audit entry #/ });
    await expect(drawer).toContainText(`radius:${name}`);
    await expect(drawer).toContainText('127.0.0.1');
    await screen(page, 'radius-audit-entry');
    await page.keyboard.press('Escape');

    // Back on the page: the last request and the counters (polled every 5 s; a reload shows them at once).
    await page.goto('/radius');
    await expect(row).not.toContainText('None yet');
    const counters = await query<RadiusStatusView>(admin, 'radius.status');
    expect(counters.counters!.accepted).toBeGreaterThanOrEqual(1);
    expect(counters.counters!.droppedBadAuthenticator).toBeGreaterThanOrEqual(1);
    const droppedGroup = page.getByRole('group', { name: 'Dropped' });
    await expect(droppedGroup).toContainText(`Bad authenticator (wrong secret?)${counters.counters!.droppedBadAuthenticator}`);
    await screen(page, 'radius-clients');

    // Edit: another mode, the secret kept (no secret step).
    await page.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${name}` });
    await expect(edit.getByLabel('Name')).toHaveValue(name);
    await expect(edit.getByLabel('Shared secret')).toHaveValue('');
    await edit.getByRole('radio', { name: 'Password + code' }).check();
    await screen(page, 'radius-edit');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText('Password + code');

    // Remove: asked first; then its requests get no answer.
    await page.getByRole('button', { name: `Remove ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Remove ${name}?` });
    await expect(confirm).toContainText('Requests from 127.0.0.1 are dropped at once');
    await confirm.getByRole('button', { name: 'Remove client' }).click();
    await expect(row).toBeHidden();
    const gone = await radclient(status.port!, withMA({ 'User-Name': username, 'User-Password': totpCode(seed) }), secret);
    expect(gone.reply).toBeNull();
  });
});
