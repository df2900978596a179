import type { APIResponse, Page } from '@playwright/test';
import { createOperator, expect, openConsoleAs, setupFirstAdmin, test, type OperatorCreds } from './support/console';
import { query, screen } from './support/offPage';
import type { Settings } from '../shared/schemas/settings';
import type { ApiKeyView } from '../shared/schemas/apiKeys';
import type { OperatorView } from '../shared/schemas/operators';

/**
 * Hiding a button is not a control: the server refuses what a role may not
 * do even when it is called directly, with the operator's own session
 * cookie (the browser's), as a script in the page could.
 */
const CSRF = { 'x-tessera-csrf': '1' };

/** A tRPC mutation from the page's own context (its cookies). */
function post(page: Page, procedure: string, data: unknown, headers: Record<string, string> = CSRF): Promise<APIResponse> {
  return page.request.post(`/trpc/${procedure}`, { headers, data });
}

async function state(admin: OperatorCreds) {
  return {
    settings: await query<Settings>(admin, 'settings.get'),
    apiKeys: await query<ApiKeyView[]>(admin, 'apiKeys.list'),
    operators: await query<OperatorView[]>(admin, 'operators.list'),
    auditHead: (await query<{ items: { seq: number }[] }>(admin, 'audit.query', { limit: 1 })).items[0]!.seq,
  };
}

async function expectRefused(res: APIResponse, status: number): Promise<void> {
  expect(res.status()).toBe(status);
  const body = (await res.json()) as { error?: { data?: { httpStatus?: number; tesseraCode?: string } } };
  expect(body.error?.data?.httpStatus).toBe(status);
}

for (const role of ['helpdesk', 'auditor'] as const) {
  test(`${role}: admin-only mutations called directly are refused (403) and change nothing`, async ({ page }) => {
    const admin = await setupFirstAdmin(page);
    const op = await createOperator(admin, role);
    await openConsoleAs(page, op, '/');
    const someone = (await query<OperatorView[]>(admin, 'operators.list')).find((o) => o.username === admin.username)!;
    const key = (await query<ApiKeyView[]>(admin, 'apiKeys.list')).find((k) => !k.revokedAt);
    const before = await state(admin);

    const attempts: [string, unknown][] = [
      ['settings.update', { issuer: 'Hijacked', methods: { email: true } }],
      ['settings.update', { methods: { totp: false } }],
      ['apiKeys.create', { name: 'backdoor', scopes: ['provision'] }],
      ['operators.create', { username: `${role}-made-admin`, role: 'admin', password: 'a long enough password 1' }],
      ['operators.update', { id: op.username === someone.username ? 'x' : someone.id, status: 'disabled' }],
    ];
    if (key) attempts.push(['apiKeys.revoke', { id: key.id }]);
    for (const [procedure, input] of attempts) {
      const res = await post(page, procedure, input);
      expect(res.status(), `${procedure} as ${role}`).toBe(403);
      await expectRefused(res, 403);
    }
    // Promoting themselves is refused the same way.
    const me = (await query<OperatorView[]>(admin, 'operators.list')).find((o) => o.username === op.username)!;
    await expectRefused(await post(page, 'operators.update', { id: me.id, role: 'admin' }), 403);

    // Nothing changed, and the refusals wrote no audit entries.
    expect(await state(admin)).toEqual(before);

    // Helpdesk cannot read the audit log or export it either; the auditor can read but not change.
    const exportRes = await page.request.get('/console/audit/export?format=csv', { headers: CSRF });
    if (role === 'helpdesk') {
      expect(exportRes.status()).toBe(403);
      const read = await page.request.get(`/trpc/audit.query?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`);
      expect(read.status()).toBe(403);
      // The screens say so rather than showing a broken page, and the navigation does not offer them.
      await page.goto('/settings');
      await expect(page.getByText('Not available for your role')).toBeVisible();
      await screen(page, 'helpdesk-settings-not-available');
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);
    } else {
      expect(exportRes.status()).toBe(200);
    }
  });
}

test('a mutation without the CSRF header is refused (403) even for an admin, and changes nothing', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  await openConsoleAs(page, admin, '/settings');
  const before = await query<Settings>(admin, 'settings.get');
  const res = await post(page, 'settings.update', { issuer: 'No CSRF header' }, {});
  await expectRefused(res, 403);
  // A cross-site request with the header is refused as well.
  await expectRefused(await post(page, 'settings.update', { issuer: 'Cross site' }, { ...CSRF, 'sec-fetch-site': 'cross-site' }), 403);
  expect(await query<Settings>(admin, 'settings.get')).toEqual(before);
  // The export needs the header too (a plain link cannot start one).
  expect((await page.request.get('/console/audit/export?format=csv')).status()).toBe(403);
  // With the header, the same admin call goes through (the refusal was the header, not the role).
  const ok = await post(page, 'settings.update', { issuer: before.issuer });
  expect(ok.status()).toBe(200);
});

test('signed out, every console call is refused with 401', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  await page.context().clearCookies();
  const before = await query<Settings>(admin, 'settings.get');
  await expectRefused(await post(page, 'settings.update', { issuer: 'Anonymous' }), 401);
  await expectRefused(await post(page, 'apiKeys.create', { name: 'anon', scopes: ['verify'] }), 401);
  const read = await page.request.get(`/trpc/audit.query?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`);
  expect(read.status()).toBe(401);
  expect((await page.request.get('/console/audit/export?format=jsonl', { headers: CSRF })).status()).toBe(401);
  expect(await query<Settings>(admin, 'settings.get')).toEqual(before);
  // And the screens send a signed-out visitor to sign in.
  await page.goto('/audit?action=verify');
  await expect(page).toHaveURL(/\/login\?next=%2Faudit%3Faction%3Dverify/);
});
