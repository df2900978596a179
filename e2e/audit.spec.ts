import fs from 'node:fs';
import { createApiKey, expect, openConsoleAsAdmin, test, uniqueName, type OperatorCreds } from './support/console';
import { downloadText, failVerifies, parseCsv, query, rest, screen, withTamperedEntry } from './support/offPage';
import { verifyAuditBundle } from '../server/core/audit/bundleVerify';
import type { AuditEntry, AuditPage } from '../shared/schemas/audit';

/** A user with `n` failed verifies (no factor enrolled: each is a failure entry). */
async function userWithFailures(admin: OperatorCreds, n: number): Promise<string> {
  const provision = await createApiKey(admin, ['provision']);
  const verify = await createApiKey(admin, ['verify']);
  const user = uniqueName('audit-user');
  expect((await rest(provision, 'POST', '/users', { username: user })).status).toBe(201);
  await failVerifies(verify, user, n);
  return user;
}

async function entries(admin: OperatorCreds, filter: Record<string, unknown>): Promise<AuditEntry[]> {
  return (await query<AuditPage>(admin, 'audit.query', { limit: 500, ...filter })).items;
}

test.describe('Audit log (admin)', () => {
  test('filters come from the link, narrow by user and time, sort both ways; an entry opens from the keyboard', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    const user = await userWithFailures(admin, 12);

    // The dashboard's link: failed verifies.
    await page.goto('/audit?action=verify&outcome=failure');
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Action' })).toHaveValue('verify');
    await expect(page.getByRole('combobox', { name: 'Outcome' })).toHaveValue('Failure');
    const failures = await query<number>(admin, 'audit.count', { action: 'verify', outcome: 'failure' });
    await expect(page.getByTestId('audit-count')).toHaveText(new RegExp(`^${failures.toLocaleString('en')} entries match`));
    const grid = page.getByRole('grid', { name: /Audit entries/ });
    const rows = grid.getByRole('row').filter({ has: page.getByRole('gridcell') });
    await expect(grid.locator('[data-outcome]').first()).toBeVisible();
    expect(await grid.locator('[data-outcome]:not([data-outcome="failure"])').count()).toBe(0);

    // Narrow by user (applied on Enter, kept in the URL).
    await page.getByRole('textbox', { name: 'User' }).fill(user);
    await page.getByRole('textbox', { name: 'User' }).press('Enter');
    await expect(page).toHaveURL(new RegExp(`user=${user}`));
    const expected = await entries(admin, { user, action: 'verify', outcome: 'failure' });
    expect(expected.length).toBe(12);
    await expect(page.getByTestId('audit-count')).toHaveText('12 entries match');
    await expect(rows).toHaveCount(12);
    await expect(rows.first()).toContainText(String(expected[0]!.seq));
    await screen(page, 'audit-log');

    // Oldest first.
    await page.getByText('Oldest first').click();
    await expect(page).toHaveURL(/order=asc/);
    await expect(rows.first()).toContainText(String(expected[expected.length - 1]!.seq));

    // A time range: until the minute of the first entry → none of them; from that minute → all of them.
    const minute = expected[expected.length - 1]!.at.slice(0, 16);
    await page.getByLabel('Until (UTC)').fill(minute);
    await expect(page.getByText('No entries match these filters')).toBeVisible();
    await screen(page, 'audit-empty');
    await page.getByLabel('Until (UTC)').fill('');
    await page.getByLabel('From (UTC)').fill(minute);
    await expect(page.getByTestId('audit-count')).toHaveText('12 entries match');
    await expect(page).toHaveURL(/from=/);

    // The keyboard: into the grid, down one, Enter opens the entry; Esc closes it.
    await grid.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const second = expected[expected.length - 2]!;
    const drawer = page.getByRole('dialog', { name: `Audit entry #${second.seq.toLocaleString('en')}` });
    await expect(drawer).toBeVisible();
    await expect(drawer).toContainText(user);
    await expect(drawer).toContainText(second.reason!);
    await expect(drawer).toContainText(second.actor.name!);
    await expect(drawer).toContainText(second.ip!);
    await expect(drawer.getByTestId('entry-hash')).toHaveText(second.hash);
    await screen(page, 'audit-entry');
    await drawer.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('dialog', { name: `Audit entry #${expected[expected.length - 3]!.seq.toLocaleString('en')}` })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);

    // "Show only entries by…" from the drawer, and Clear filters.
    await rows.first().click();
    await page.getByRole('dialog').getByRole('button', { name: /^by / }).click();
    await expect(page).toHaveURL(/actor=/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(/\/audit\?order=asc$/);
  });

  test('scrolling loads more pages as it goes, with only the visible rows in the page', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    const user = await userWithFailures(admin, 620);
    await page.goto(`/audit?user=${user}`);
    // 620 failed verifies and the user.create entry.
    await expect(page.getByTestId('audit-count')).toHaveText(/^621 entries match · 250 loaded/);
    const grid = page.getByRole('grid', { name: /Audit entries/ });
    // Virtualised: a screenful of rows (plus overscan) in the DOM, not 250.
    expect(await grid.getByRole('row').count()).toBeLessThan(60);
    for (let i = 0; i < 20; i++) {
      await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      const text = (await page.getByTestId('audit-count').textContent()) ?? '';
      if (!text.includes('loaded')) break;
      await page.waitForTimeout(150);
    }
    await expect(page.getByTestId('audit-count')).toHaveText('621 entries match');
    expect(await grid.getByRole('row').count()).toBeLessThan(60);
    // End jumps to the last entry: the user's oldest.
    const oldest = (await query<AuditPage>(admin, 'audit.query', { user, order: 'asc', limit: 1 })).items[0]!;
    await grid.focus();
    await page.keyboard.press('End');
    await expect(grid.locator(`#audit-row-${oldest.seq}`)).toHaveAttribute('aria-selected', 'true');
    await screen(page, 'audit-scrolled');
  });

  test('export what the filter shows as CSV and JSON lines, with progress; the export is audited', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    const user = await userWithFailures(admin, 30);
    await page.goto(`/audit?user=${user}&outcome=failure`);
    await expect(page.getByTestId('audit-count')).toHaveText('30 entries match');
    const expected = (await entries(admin, { user, outcome: 'failure', order: 'asc' })).map((e) => String(e.seq));

    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export audit entries' });
    await expect(dialog.getByRole('radio', { name: 'What the list shows (any time)' })).toBeChecked();
    await expect(dialog.getByTestId('export-zone')).toContainText(`The list's other filters apply too: user ${user}, outcome Failure.`);
    await expect(dialog.getByRole('radio', { name: 'CSV (for a spreadsheet)' })).toBeChecked();
    const csv = await downloadText(page, () => dialog.getByRole('button', { name: 'Export CSV' }).click());
    await expect(dialog.getByTestId('export-progress')).toHaveText('30 of 30 entries');
    await expect(dialog.getByTestId('export-done')).toContainText('30 entries');
    await screen(page, 'audit-export-done');
    expect(csv.name).toMatch(/^tessera-audit-filtered-.*\.csv$/);
    const rows = parseCsv(csv.text);
    expect(rows[0]![0]).toBe('seq');
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected);
    expect(rows.slice(1).every((r) => r[6] === user)).toBe(true);
    await dialog.getByRole('button', { name: 'Close' }).click();

    const exportEntry = (await entries(admin, { action: 'audit.export', limit: 1 }))[0]!;
    expect(exportEntry.actor.name).toBe(admin.username);
    expect(exportEntry.details).toMatchObject({ format: 'csv', entries: 30, filter: { user, outcome: 'failure' } });

    // The whole log as JSON lines: a bundle that verifies offline.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: 'Export' }).click();
    await dialog.getByRole('radio', { name: /^JSON lines/ }).check();
    const bundle = await downloadText(page, () => dialog.getByRole('button', { name: 'Export JSON lines' }).click());
    await expect(dialog.getByTestId('export-done')).toBeVisible();
    const lines = bundle.text.trimEnd().split('\n');
    const verified = await verifyAuditBundle(lines);
    expect(verified).toMatchObject({ ok: true, entries: lines.length - 2 });
    fs.rmSync(await bundle.download.path(), { force: true });
  });

  test("a month's export from the presets (UTC, said so) is a filtered bundle that verifies offline and refuses an edit", async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/dashboard');
    const user = await userWithFailures(admin, 5);
    await page.goto(`/audit?user=${user}`);
    await expect(page.getByTestId('audit-count')).toHaveText('6 entries match');

    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export audit entries' });
    const now = new Date();
    const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    const name = (d: Date) => d.toLocaleDateString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    await dialog.getByRole('radio', { name: `This month (${name(month(0))})` }).check();
    await expect(dialog.getByTestId('export-range')).toHaveText(`${name(month(0))}: ${utc(month(0))} to ${utc(month(1))}`);
    await expect(dialog.getByTestId('export-zone')).toContainText('Months are calendar months in UTC, the time zone of the audit log');
    await expect(dialog.getByTestId('export-zone')).toContainText(`The list's other filters apply too: user ${user}.`);
    await expect(dialog.getByRole('radio', { name: `Last month (${name(month(-1))})` })).toBeVisible();
    // The picker: choosing a month selects "A month".
    await dialog.getByRole('combobox', { name: 'Month' }).click();
    await page.getByRole('option', { name: name(month(-3)) }).click();
    await expect(dialog.getByRole('radio', { name: 'A month:' })).toBeChecked();
    await expect(dialog.getByTestId('export-range')).toHaveText(`${name(month(-3))}: ${utc(month(-3))} to ${utc(month(-2))}`);
    await dialog.getByRole('radio', { name: `This month (${name(month(0))})` }).check();
    await dialog.getByRole('radio', { name: /^JSON lines/ }).check();
    await expect(dialog).toContainText('checks offline that every entry is unchanged, in order and selected by the filter');
    await screen(page, 'audit-export-month');

    const bundle = await downloadText(page, () => dialog.getByRole('button', { name: 'Export JSON lines' }).click());
    await expect(dialog.getByTestId('export-done')).toContainText('6 entries');
    await expect(dialog.getByTestId('export-what')).toContainText(`JSON lines · ${name(month(0))}`);
    await screen(page, 'audit-export-month-done');
    expect(bundle.name).toMatch(/^tessera-audit-filtered-.*\.jsonl$/);
    const lines = bundle.text.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 3, filtered: true, filter: { user, from: month(0).toISOString(), to: month(1).toISOString() } });
    const verified = await verifyAuditBundle(lines);
    expect(verified).toMatchObject({ ok: true, entries: 6, head: null, selection: { filter: { user } } });
    expect(verified.ok && verified.selection!.omitted).toBe(verified.ok && verified.selection!.total - 6);
    // The same bundle with one entry edited (its IP) is refused.
    const edited = [...lines];
    edited[3] = edited[3]!.replace(/"ip":"[^"]*"/, '"ip":"203.0.113.66"');
    expect(edited[3]).not.toBe(lines[3]);
    expect(await verifyAuditBundle(edited)).toMatchObject({ ok: false, problem: expect.stringMatching(/not the ones that were signed/) });
    fs.rmSync(await bundle.download.path(), { force: true });

    // Last month holds none of this user's entries: an empty selection, still signed.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Export' }).click();
    await dialog.getByRole('radio', { name: /^Last month/ }).check();
    await dialog.getByRole('radio', { name: /^JSON lines/ }).check();
    const empty = await downloadText(page, () => dialog.getByRole('button', { name: 'Export JSON lines' }).click());
    await expect(dialog.getByTestId('export-done')).toContainText('0 entries');
    expect(await verifyAuditBundle(empty.text.trimEnd().split('\n'))).toMatchObject({ ok: true, entries: 0 });
    const exported = (await entries(admin, { action: 'audit.export', limit: 2 })).map((e) => e.details);
    expect(exported[0]).toMatchObject({ format: 'jsonl', entries: 0, filtered: true, filter: { user, from: month(-1).toISOString() } });
    expect(exported[1]).toMatchObject({ format: 'jsonl', entries: 6, filtered: true });
  });

  test('a slow export shows its progress and can be cancelled; nothing is saved', async ({ page }) => {
    await openConsoleAsAdmin(page, '/audit');
    await expect(page.getByRole('grid', { name: /Audit entries/ })).toBeVisible();
    // A slow line (about 8 KB/s), so the export is still running when Cancel is pressed.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 8 * 1024, uploadThroughput: -1 });
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export audit entries' });
    await dialog.getByRole('radio', { name: /^JSON lines/ }).check();
    await dialog.getByRole('button', { name: 'Export JSON lines' }).click();
    await expect(dialog.getByTestId('export-progress')).toHaveText(/^[\d,]+ of [\d,]+ entries$/);
    await expect(dialog.getByTestId('export-progress')).not.toHaveText(/^0 of/, { timeout: 15_000 });
    await screen(page, 'audit-export-progress');
    await dialog.getByRole('button', { name: 'Cancel export' }).click();
    await expect(dialog.getByText('Export cancelled')).toBeVisible();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(downloads).toBe(0);
    // The server stopped too: it still answers at once.
    expect((await page.request.get('/healthz')).status()).toBe(200);
  });

  test('the integrity check says OK, or FAILED at the first bad entry', async ({ page }) => {
    const admin = await openConsoleAsAdmin(page, '/audit');
    await page.getByRole('button', { name: 'Check integrity' }).click();
    const result = page.getByTestId('integrity-result');
    await expect(result).toContainText('Integrity check passed: the audit log is intact');
    const head = (await query<AuditPage>(admin, 'audit.query', { limit: 1 })).items[0]!;
    await expect(result).toContainText(`All ${head.seq.toLocaleString('en')} entries recomputed`);
    await screen(page, 'audit-integrity-ok');

    // An entry edited behind Tessera's back (straight in the database file) is found.
    const victim = Math.max(1, head.seq - 5);
    await withTamperedEntry(victim, async () => {
      await page.getByRole('button', { name: 'Check integrity' }).click();
      await expect(result).toContainText(`Integrity check FAILED at entry #${victim.toLocaleString('en')}`);
      await expect(result).toContainText('an entry was edited, inserted or removed here');
      await screen(page, 'audit-integrity-failed');
    });
    await page.getByRole('button', { name: 'Check integrity' }).click();
    await expect(result).toContainText('the audit log is intact');
  });

  test('a bad filter in a link is ignored with a note, not an error page', async ({ page }) => {
    await openConsoleAsAdmin(page, '/audit?from=yesterday&outcome=maybe&action=verify');
    await expect(page.getByText('Ignored a filter in the link that is not valid: from, outcome.')).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Action' })).toHaveValue('verify');
    await expect(page.getByRole('grid', { name: /Audit entries/ })).toBeVisible();
  });
});
