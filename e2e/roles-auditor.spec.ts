import { createApiKey, createOperator, expect, openConsoleAs, setupFirstAdmin, test, uniqueName } from './support/console';
import { downloadText, failVerifies, parseCsv, query, rest, screen } from './support/offPage';
import type { AuditPage } from '../shared/schemas/audit';

/**
 * The auditor's journey: read-only screens for settings, API clients and
 * operators (nothing that changes anything is offered), then the audit log:
 * filter, export what the filter shows, run the integrity check.
 */
test('an auditor sees read-only screens, then filters, exports and checks the audit log', async ({ page }) => {
  const admin = await setupFirstAdmin(page);
  const auditor = await createOperator(admin, 'auditor', { displayName: 'Ann Auditor' });
  // Something to look at: an API client and a user with failed verifies.
  const verifyKey = await createApiKey(admin, ['verify']);
  const provision = await createApiKey(admin, ['provision']);
  const user = uniqueName('audited');
  expect((await rest(provision, 'POST', '/users', { username: user })).status).toBe(201);
  await failVerifies(verifyKey, user, 7);

  await openConsoleAs(page, auditor, '/');
  await expect(page).toHaveURL(/\/dashboard$/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const item of ['Dashboard', 'Users', 'Audit log', 'Methods & settings', 'API clients', 'Operators']) {
    await expect(nav.getByRole('link', { name: item })).toBeVisible();
  }

  // Settings: readable, nothing to change.
  await nav.getByRole('link', { name: 'Methods & settings' }).click();
  await expect(page.getByText('Your role can see these settings but not change them')).toBeVisible();
  await expect(page.getByTestId('method-totp')).toContainText('On');
  await expect(page.getByRole('switch')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save settings' })).toHaveCount(0);
  await expect(page.getByLabel('Issuer name')).toHaveAttribute('readonly', '');
  await screen(page, 'auditor-settings');

  // API clients: the list, no create or revoke.
  await nav.getByRole('link', { name: 'API clients' }).click();
  await expect(page.getByRole('heading', { name: 'API clients' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'API clients' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'New API client' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);
  await screen(page, 'auditor-api-clients');

  // Operators: the list, no add, edit or actions.
  await nav.getByRole('link', { name: 'Operators' }).click();
  await expect(page.getByTestId(`operator-${auditor.username}`)).toContainText('You');
  await expect(page.getByRole('button', { name: 'Add operator' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Edit / })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^More actions/ })).toHaveCount(0);
  await screen(page, 'auditor-operators');

  // The audit log: filter by user and outcome.
  await nav.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('textbox', { name: 'User' }).fill(user);
  await page.getByRole('textbox', { name: 'User' }).press('Enter');
  await page.getByRole('combobox', { name: 'Outcome' }).click();
  await page.getByRole('option', { name: 'Failure' }).click();
  await expect(page).toHaveURL(new RegExp(`user=${user}.*outcome=failure|outcome=failure.*user=${user}`));
  await expect(page.getByTestId('audit-count')).toHaveText('7 entries match');
  const expected = (await query<AuditPage>(auditor, 'audit.query', { user, outcome: 'failure', order: 'asc', limit: 100 })).items;
  expect(expected).toHaveLength(7);
  await screen(page, 'auditor-audit');

  // Export exactly that, as CSV.
  await page.getByRole('button', { name: 'Export' }).click();
  // The export dialog (issue 18): what the list shows, as CSV, are its defaults.
  const csv = await downloadText(page, () => page.getByRole('dialog', { name: 'Export audit entries' }).getByRole('button', { name: 'Export CSV' }).click());
  await expect(page.getByTestId('export-done')).toContainText('7 entries');
  const rows = parseCsv(csv.text).slice(1);
  expect(rows.map((r) => Number(r[0]))).toEqual(expected.map((e) => e.seq));
  expect(rows.every((r) => r[6] === user && r[7] === 'failure')).toBe(true);
  await page.getByRole('button', { name: 'Close' }).click();
  const logged = (await query<AuditPage>(auditor, 'audit.query', { action: 'audit.export', actor: auditor.username, limit: 1 })).items[0]!;
  expect(logged.details).toMatchObject({ format: 'csv', entries: 7, filter: { user, outcome: 'failure' } });

  // The integrity check.
  await page.getByRole('button', { name: 'Check integrity' }).click();
  await expect(page.getByTestId('integrity-result')).toContainText('Integrity check passed: the audit log is intact');
  await screen(page, 'auditor-integrity');
});
