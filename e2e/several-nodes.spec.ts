import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { postgresAvailable, startPostgres, type TestPostgres } from '../server/testing/postgres';
import { childEnv, freePort, runTessera, startServeProcess, type ServeProcess } from '../server/testing/serverProcess';
import { completeSetupPage, E2E_PASSWORD, expect, freshCodeAfter, shot, test } from './support/console';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/roundRobinProxy';
import { REPO_ROOT } from './support/server';

/**
 * Several nodes on PostgreSQL (issue 17), as an operator meets them: two real
 * `tessera serve` nodes on one PostgreSQL database, sharing one master key,
 * behind a round-robin load balancer (support/roundRobinProxy.ts, no
 * stickiness). The browser only ever sees the balancer. Where chance would
 * decide which node answers a step that matters, the test pins that request
 * to a node (A = node-a, B = node-b) so each run checks the same thing.
 *
 * The balancer hands each node its own host:port as Host (see
 * roundRobinProxy.ts: a node refuses any other name, and serve has no
 * setting for the balancer's). Node A's console has no list of jobs, so the
 * batch's file is fetched there by its download address (what the page's
 * Download link holds).
 */

const A = 0;
const B = 1;
const NODE_NAMES = ['node-a', 'node-b'];

let pg: TestPostgres | undefined;
let proxy: RoundRobinProxy | undefined;
const nodes: ServeProcess[] = [];
let root = '';
let setupToken = '';

test.skip(!postgresAvailable(), 'PostgreSQL is not installed (apt-get install postgresql): the several-nodes spec needs a real cluster');

test.beforeAll(async () => {
  test.setTimeout(180_000);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-nodes-'));
  pg = await startPostgres();
  const masterKey = randomBytes(32).toString('hex');
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    childEnv({ TESSERA_MASTER_KEY: masterKey, TESSERA_AUDIT_ANCHOR: path.join(root, 'shared', 'audit.anchor'), ...extra });
  fs.mkdirSync(path.join(root, 'shared'), { mode: 0o700 });
  const ports = [await freePort(), await freePort()];
  const dirs = NODE_NAMES.map((n) => path.join(root, n));
  // Node A initialises the database (schema, keys) and prints the one-time setup link.
  const init = await runTessera(['init', '--data', dirs[A]!, '--database', pg.url, '--port', String(ports[A])], { env: env() });
  setupToken = /\/setup\?token=([A-Za-z0-9_%-]+)/.exec(init.stdout)?.[1] ?? '';
  expect(setupToken, `init printed a setup link:\n${init.stdout}`).not.toBe('');
  const started = await Promise.all(
    NODE_NAMES.map((name, i) =>
      startServeProcess({
        dataDir: dirs[i]!,
        port: ports[i]!,
        databaseUrl: pg!.url,
        waitForHealth: true,
        logFile: path.join(REPO_ROOT, 'e2e', 'artifacts', `several-nodes-${name}.log`),
        env: env({ TESSERA_NODE_NAME: name, TESSERA_NODE_URL: `http://127.0.0.1:${ports[i]}` }),
      }),
    ),
  );
  nodes.push(...started);
  proxy = await startRoundRobinProxy(nodes.map((n) => n.url));
});

test.afterAll(async () => {
  await proxy?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await pg?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** A console address on the balancer: the only address the browser is given (until step 3 opens node A's own). */
const lb = (pathname: string) => `${proxy!.url}${pathname}`;

/** A full-page screenshot from the top, after transitions settle. */
async function screen(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(350);
  await shot(page, name);
}

/** A request to a tRPC procedure (batched or not: the path lists the procedures). */
const isTrpc = (url: string, procedure: string) => url.startsWith('/trpc/') && url.split('?')[0]!.slice(6).split(',').includes(procedure);

/** The nodes that answered calls of `procedure` since log index `from`. */
function nodesFor(procedure: string, from = 0): number[] {
  return proxy!.log
    .slice(from)
    .filter((r) => isTrpc(r.url, procedure))
    .map((r) => r.node);
}

/** A tRPC query through the balancer with the page's cookies. */
async function trpcQuery<T>(page: Page, procedure: string, input?: unknown): Promise<T> {
  const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await page.request.get(lb(`/trpc/${procedure}${q}`));
  expect(res.status(), `${procedure}: ${await res.text()}`).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

test('two nodes behind a round-robin balancer: setup, sign-in, users and settings, a sheet batch made on one node, the audit log', async ({ page }) => {
  test.setTimeout(120_000); // freshCodeAfter adds the wait for a new TOTP step
  const p = proxy!;
  const [nodeA] = nodes;
  let admin = { username: 'pg-admin', password: E2E_PASSWORD, secret: '' };
  let lastStep = 0;

  await test.step('1. the first admin sets up and signs in; each step of both lands on the other node', async () => {
    // Setup: the account step on A, the enrollment (the ticket A wrote in the database) on B.
    p.pin((_m, url) => (isTrpc(url, 'auth.setup') ? A : isTrpc(url, 'auth.completeEnrollment') ? B : undefined));
    const { creds, step } = await completeSetupPage(page, lb(`/setup?token=${setupToken}`), { username: admin.username, displayName: 'Nia Nodes' });
    admin = { ...admin, secret: creds.totpSecret };
    lastStep = step;
    expect(nodesFor('auth.setup')).toEqual([A]);
    expect(nodesFor('auth.completeEnrollment')).toEqual([B]);
    p.unpin();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
    // Sign-in: the password on B, the code on A.
    const from = p.log.length;
    p.pin((_m, url) => (isTrpc(url, 'auth.login') ? B : isTrpc(url, 'auth.completeLogin') ? A : undefined));
    await page.getByLabel('Username').fill(admin.username);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const codeField = page.getByLabel('6-digit code');
    await expect(codeField).toBeVisible();
    const fresh = await freshCodeAfter(admin.secret, lastStep);
    await codeField.fill(fresh.code);
    await screen(page, 'several-nodes-1-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
    lastStep = fresh.step;
    expect(nodesFor('auth.login', from)).toEqual([B]);
    expect(nodesFor('auth.completeLogin', from)).toEqual([A]);
    p.unpin();
    // The session opened on A holds on B too (console sessions are rows in the database).
    const at = p.log.length;
    p.pin((_m, url) => (isTrpc(url, 'auth.me') ? B : undefined));
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    expect(nodesFor('auth.me', at).length).toBeGreaterThan(0);
    expect(new Set(nodesFor('auth.me', at))).toEqual(new Set([B]));
    p.unpin();
    await screen(page, 'several-nodes-1-signed-in');
  });

  await test.step('2. create a user on A and see it on B; turn a method on and see it stay on after reloads on both nodes', async () => {
    await page.goto(lb('/users'));
    await expect(page.getByRole('button', { name: 'Create user' })).toBeVisible();
    p.pin((_m, url) => (isTrpc(url, 'users.create') ? A : isTrpc(url, 'users.get') ? B : undefined));
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel('Username').fill('ada');
    await dialog.getByLabel('Display name').fill('Ada Lovelace');
    await dialog.getByLabel('Email').fill('ada@example.com');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await expect(page).toHaveURL(/\/users\/ada$/);
    await expect(page.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
    expect(nodesFor('users.create')).toEqual([A]);
    expect(nodesFor('users.get').length).toBeGreaterThan(0);
    expect(new Set(nodesFor('users.get'))).toEqual(new Set([B]));
    p.unpin();
    await page.goto(lb('/users'));
    await expect(page.getByRole('link', { name: 'ada', exact: true })).toBeVisible();
    await screen(page, 'several-nodes-2-users');

    // Email codes (off by default) turned on through A; then each reload reads the settings from the other node.
    await page.goto(lb('/settings'));
    const email = page.getByRole('switch', { name: 'Email code' });
    await expect(email).not.toBeChecked();
    const from = p.log.length;
    p.pin((_m, url) => (isTrpc(url, 'settings.update') ? A : undefined));
    // From the keyboard, as settings.spec does (the switch's track covers its input).
    await email.focus();
    await page.keyboard.press('Space');
    const confirm = page.getByRole('dialog', { name: 'Turn on Email code?' });
    await expect(confirm).toContainText('Weaker than the other methods');
    await confirm.getByRole('button', { name: 'Turn on Email code' }).click();
    await expect(confirm).toBeHidden();
    await expect(email).toBeChecked();
    await expect.poll(() => nodesFor('settings.update', from)).toEqual([A]);
    p.unpin();
    for (const node of [B, A, B]) {
      const at = p.log.length;
      p.pin((_m, url) => (isTrpc(url, 'settings.get') ? node : undefined));
      await page.reload();
      await expect(page.getByRole('switch', { name: 'Email code' })).toBeChecked();
      expect(new Set(nodesFor('settings.get', at))).toEqual(new Set([node]));
      p.unpin();
    }
    await screen(page, 'several-nodes-2-settings');
  });

  await test.step('3. a sheet batch made on A, followed from B: the console names node A and its console; node A hands out the PDF', async () => {
    // Three more users without a factor: with ada, four sheets.
    for (const [username, displayName] of [
      ['grace', 'Grace Hopper'],
      ['alan', 'Alan Turing'],
      ['edsger', 'Edsger Dijkstra'],
    ]) {
      const res = await page.request.post(lb('/trpc/users.create'), { data: { username, displayName }, headers: { 'x-tessera-csrf': '1' } });
      expect(res.status(), await res.text()).toBe(200);
    }
    await page.goto(lb('/rollout'));
    await expect(page.getByRole('heading', { name: 'Enrollment sheet rollout' })).toBeVisible();
    // The batch (its dry run and its start) runs on A; every progress poll is answered by B.
    p.pin((m, url) => (m === 'POST' && url.startsWith('/console/sheets/batch') ? A : isTrpc(url, 'jobs.get') ? B : undefined));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('rollout-plan').getByText('4 sheets to print')).toBeVisible();
    await page.getByRole('button', { name: 'Generate 4 sheets' }).click();
    const startedRes = page.waitForResponse((r) => r.url().endsWith('/console/sheets/batch') && r.status() === 202);
    await page.getByRole('dialog').getByRole('button', { name: 'Generate', exact: true }).click();
    const { jobId } = (await (await startedRes).json()) as { jobId: string };
    const elsewhere = page.getByTestId('rollout-elsewhere');
    await expect(elsewhere).toBeVisible({ timeout: 30_000 });
    await expect(elsewhere).toContainText('The sheets are ready on another node');
    await expect(elsewhere).toContainText(`This batch was made on node node-a; download it from that node's console (${nodeA!.url})`);
    await expect(page.getByTestId('rollout-download')).toHaveCount(0);
    const polls = p.log.filter((r) => isTrpc(r.url, 'jobs.get'));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.node === B && r.status === 200)).toBe(true);
    await screen(page, 'several-nodes-3-batch-on-other-node');

    // The download asked of B through the balancer: refused, naming node A.
    p.pin((_m, url) => (url.startsWith(`/console/jobs/${jobId}/`) ? B : undefined));
    const refused = await page.request.get(lb(`/console/jobs/${jobId}/sheets.pdf`));
    expect(refused.status()).toBe(409);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'on_other_node',
      message: expect.stringContaining(`This batch was made on node node-a; download it from that node's console (${nodeA!.url})`),
    });
    p.unpin();

    // Node A's own console, as the message says: the same session (a cookie is per host, not per port). Its rollout page
    // does not know the batch (nothing lists jobs), so the file is asked for at its download address, as the Download link would.
    await page.goto(`${nodeA!.url}/rollout`);
    await expect(page.getByRole('heading', { name: 'Enrollment sheet rollout' })).toBeVisible();
    await screen(page, 'several-nodes-3-node-a-console');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate((href) => {
        const a = document.createElement('a');
        a.href = href;
        a.download = '';
        document.body.append(a);
        a.click();
        a.remove();
      }, `/console/jobs/${jobId}/sheets.pdf`),
    ]);
    expect(await download.failure()).toBeNull();
    expect(download.suggestedFilename()).toMatch(/^enrollment-sheets-\d{4}-\d{2}-\d{2}-4\.pdf$/);
    const bytes = fs.readFileSync(await download.path());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  await test.step('4. the audit log through the balancer: one chain holding both nodes’ entries, and it checks out', async () => {
    await page.goto(lb('/audit'));
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    const all = await trpcQuery<{ items: { seq: number; action: string }[] }>(page, 'audit.query', { limit: 500, order: 'asc' });
    // One sequence with no gap: entries written by A (user.create, settings, sheets) and by B (the setup's enrollment) interleave.
    expect(all.items.map((e) => e.seq)).toEqual(all.items.map((_e, i) => i + 1));
    const actions = all.items.map((e) => e.action);
    for (const a of ['operator.enroll', 'operator.login', 'user.create', 'settings.update', 'sheet.issue']) expect(actions).toContain(a);
    // The count above the list (audit.count with no filter: once a 500 on PostgreSQL, "Could not count the entries").
    await expect(page.getByTestId('audit-count')).toHaveText(/^\d[\d,]* entries/);
    const grid = page.getByRole('grid', { name: /Audit entries/ });
    // Every entry is a row of the one list, newest first: the last and the first of the chain.
    await expect(grid.locator(`#audit-row-${all.items.length}`)).toBeVisible();
    await expect(grid.locator('#audit-row-1')).toBeAttached();
    await expect(grid.getByRole('gridcell', { name: 'operator.enroll' }).first()).toBeVisible();
    await expect(grid.getByRole('gridcell', { name: 'user.create' }).first()).toBeVisible();

    // The integrity check started on A and polled on B: B has no result to give, and the console says where it is.
    p.pin((_m, url) => (isTrpc(url, 'audit.verify') ? A : isTrpc(url, 'jobs.get') ? B : undefined));
    await page.getByRole('button', { name: 'Check integrity' }).click();
    const elsewhere = page.getByRole('alert').filter({ hasText: 'The integrity check could not run' });
    await expect(elsewhere).toContainText(`This job ran on node node-a; its result is in that node's console (${nodeA!.url})`, { timeout: 30_000 });
    expect(nodesFor('audit.verify')).toEqual([A]);
    await screen(page, 'several-nodes-4-integrity-on-other-node');
    await elsewhere.getByRole('button').click();
    await expect(elsewhere).toBeHidden();
    p.unpin();

    // Started and polled on A (a balancer that keeps an operator on one node): the result.
    p.pin((_m, url) => (isTrpc(url, 'audit.verify') || isTrpc(url, 'jobs.get') ? A : undefined));
    await page.getByRole('button', { name: 'Check integrity' }).click();
    const result = page.getByTestId('integrity-result');
    await expect(result).toContainText('Integrity check passed: the audit log is intact', { timeout: 30_000 });
    await expect(result).toContainText(`All ${all.items.length.toLocaleString('en')} entries recomputed from the first`);
    p.unpin();
    await screen(page, 'several-nodes-4-audit');
  });
});
