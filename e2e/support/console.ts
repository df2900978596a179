/**
 * Sign-in fixtures for the console specs, shared by every spec that signs in.
 *
 *   import { test, expect, shot, setupFirstAdmin, createOperator, openConsoleAs } from './support/console';
 *
 *   test('…', async ({ page }) => {
 *     const admin = await setupFirstAdmin(page);          // idempotent: the first call drives /setup
 *     const helpdesk = await createOperator(admin, 'helpdesk');
 *     await openConsoleAs(page, helpdesk, '/users');        // reuses a saved session, else signs in
 *   });
 *
 * All specs run in one worker against ONE server (global-setup.ts), so every
 * operator made here is remembered in a file under the server's data dir
 * (TESSERA_E2E_DATA/e2e-console.json): the admin is set up once per run,
 * whichever spec comes first, and a worker restarted after a failure finds
 * the same operators and their sessions.
 *
 * TOTP codes: the server accepts a step at most once per operator, so every
 * code goes through `nextFreshCode`, which waits for the next 30-s step when
 * this operator's last code was in the current one (and lengthens the test's
 * timeout by the wait).
 *
 * `test` here is the fixtures.ts `test` (baseURL = the e2e server) plus a
 * page listener that fails the test on any uncaught page error or Content
 * Security Policy violation.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from '@playwright/test';
import { totpStep } from '../../server/core/index';
import { totpCode as codeAt } from '../../server/testing/otp';
import type { OperatorRole } from '../../shared/schemas/operators';
import { expect, shot, test as base, tesseraUrl } from './fixtures';
import { CLI_ENTRY, REPO_ROOT } from './server';

export { expect, shot, tesseraUrl };

export const SESSION_COOKIE = 'tessera_session';
/** Meets the server's rules (≥ 12 characters, not one repeated character). */
export const E2E_PASSWORD = 'correct horse battery staple 42';

export interface OperatorCreds {
  username: string;
  password: string;
  /** Base32, as shown on the enrollment screen. */
  totpSecret: string;
  role: OperatorRole;
  displayName?: string;
}

interface Remembered extends OperatorCreds {
  /** The last TOTP step this operator used (the server refuses it and older ones). */
  lastStep: number;
  /** A session cookie from the last sign-in, reused until the server stops accepting it. */
  session?: string;
}

interface Memo {
  admin?: string;
  operators: Record<string, Remembered>;
}

// ---------------------------------------------------------------------------
// The test object: fails on page errors and CSP violations.

export interface ConsoleProblems {
  /** Page errors and CSP violations seen so far (the fixture fails the test if any remain at the end). */
  problems: string[];
}

export const test = base.extend<ConsoleProblems>({
  problems: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, problems }, use) => {
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content.Security.Policy/i.test(text)) problems.push(`CSP violation: ${text}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`);
      });
    });
    await use(page);
    expect(problems, 'page errors or Content Security Policy violations during the test').toEqual([]);
  },
});

// ---------------------------------------------------------------------------
// The memo file.

function memoFile(): string {
  const dir = process.env.TESSERA_E2E_DATA;
  if (!dir) throw new Error('TESSERA_E2E_DATA is not set: run the specs with `npx playwright test`');
  return path.join(dir, 'e2e-console.json');
}

function readMemo(): Memo {
  try {
    return JSON.parse(fs.readFileSync(memoFile(), 'utf8')) as Memo;
  } catch {
    return { operators: {} };
  }
}

function writeMemo(memo: Memo): void {
  const file = memoFile();
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(memo, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

function remember(op: Remembered): void {
  const memo = readMemo();
  memo.operators[op.username] = { ...memo.operators[op.username], ...op };
  writeMemo(memo);
}

function remembered(username: string): Remembered | undefined {
  return readMemo().operators[username];
}

function noteStep(username: string, step: number): void {
  const memo = readMemo();
  const op = memo.operators[username];
  if (op) {
    op.lastStep = Math.max(op.lastStep, step);
    writeMemo(memo);
  }
}

function noteSession(username: string, session: string | undefined): void {
  const memo = readMemo();
  const op = memo.operators[username];
  if (op) {
    if (session) op.session = session;
    else delete op.session;
    writeMemo(memo);
  }
}

/** A username nobody has used in this run: `prefix-<time>-<n>`. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}`;
}

// ---------------------------------------------------------------------------
// TOTP codes.

/** The TOTP code (SHA-1, 6 digits, 30 s) for a Base32 secret at a time. */
export function totpCode(secretBase32: string, epochMs = Date.now()): string {
  return codeAt({ secret: secretBase32 }, epochMs);
}

/**
 * A code for a step after `lastStep`: now, or after waiting for the next step
 * (and the test's timeout grows by the wait). Returns the code and its step;
 * record the step once the server has accepted the code.
 */
export async function freshCodeAfter(secretBase32: string, lastStep: number): Promise<{ code: string; step: number }> {
  const now = Date.now();
  const step = totpStep(Math.floor(now / 1000), 30);
  if (step > lastStep) return { code: totpCode(secretBase32, now), step };
  const waitMs = (lastStep + 1) * 30_000 - now + 250;
  try {
    test.info().setTimeout(test.info().timeout + waitMs + 1000);
  } catch {
    // not inside a test (e.g. a beforeAll): nothing to lengthen
  }
  await new Promise((r) => setTimeout(r, waitMs));
  const later = Date.now();
  return { code: totpCode(secretBase32, later), step: totpStep(Math.floor(later / 1000), 30) };
}

/** The next code this operator may use (waits for a new step if need be). Call `codeUsed` after the server accepts it. */
export async function nextFreshCode(creds: OperatorCreds): Promise<{ code: string; step: number }> {
  return freshCodeAfter(creds.totpSecret, remembered(creds.username)?.lastStep ?? 0);
}

/** Records that the server accepted this operator's code of `step`. */
export function codeUsed(creds: OperatorCreds, step: number): void {
  noteStep(creds.username, step);
}

// ---------------------------------------------------------------------------
// Direct calls to the console's tRPC API (what a script with a stolen cookie could do).

export interface TrpcResult<T = unknown> {
  status: number;
  data?: T;
  error?: { message: string; code: number; data?: { code?: string; httpStatus?: number; tesseraCode?: string | null } };
  setCookie: string | null;
}

/**
 * Calls a tRPC procedure the way the console does: a mutation is
 * `POST /trpc/<path>` with the input as the JSON body and the CSRF header; a
 * query is `GET /trpc/<path>?input=…`. `session` is a session cookie value (or null).
 */
export async function trpc<T = unknown>(
  session: string | null,
  procedure: string,
  input: unknown,
  opts: { type?: 'mutation' | 'query'; csrf?: boolean } = {},
): Promise<TrpcResult<T>> {
  const type = opts.type ?? 'mutation';
  const headers: Record<string, string> = {};
  if (session) headers.cookie = `${SESSION_COOKIE}=${session}`;
  if (opts.csrf !== false) headers['x-tessera-csrf'] = '1';
  let res: Response;
  if (type === 'mutation') {
    headers['content-type'] = 'application/json';
    res = await fetch(`${tesseraUrl()}/trpc/${procedure}`, { method: 'POST', headers, body: input === undefined ? undefined : JSON.stringify(input) });
  } else {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    res = await fetch(`${tesseraUrl()}/trpc/${procedure}${q}`, { headers });
  }
  const body = (await res.json().catch(() => ({}))) as { result?: { data?: T }; error?: TrpcResult['error'] };
  const out: TrpcResult<T> = { status: res.status, setCookie: res.headers.get('set-cookie') };
  if (body.result) out.data = body.result.data as T;
  if (body.error) out.error = body.error;
  return out;
}

/** Like `trpc`, but throws with the server's message unless the call succeeded. */
export async function trpcOk<T = unknown>(session: string | null, procedure: string, input: unknown, type: 'mutation' | 'query' = 'mutation'): Promise<T> {
  const r = await trpc<T>(session, procedure, input, { type });
  if (r.status !== 200 || r.error) throw new Error(`${procedure} → ${r.status}: ${r.error?.message ?? 'no result'}`);
  return r.data as T;
}

function cookieFrom(setCookie: string | null): string | undefined {
  const m = new RegExp(`${SESSION_COOKIE}=([A-Za-z0-9_-]{20,200})`).exec(setCookie ?? '');
  return m?.[1];
}

/** Whether the server still accepts this session cookie. */
async function sessionValid(session: string | undefined, username: string): Promise<boolean> {
  if (!session) return false;
  const r = await trpc<{ operator: { username: string } } | null>(session, 'auth.me', undefined, { type: 'query' });
  return r.status === 200 && r.data?.operator.username === username;
}

/**
 * A live session cookie for this operator: the remembered one while the
 * server accepts it, else a fresh sign-in through the API (password, then a
 * fresh TOTP code).
 */
export async function sessionFor(creds: OperatorCreds): Promise<string> {
  const known = remembered(creds.username)?.session;
  if (await sessionValid(known, creds.username)) return known!;
  const step1 = await trpcOk<{ next: 'totp' | 'enroll'; ticket: string }>(null, 'auth.login', { username: creds.username, password: creds.password });
  if (step1.next !== 'totp') throw new Error(`${creds.username} has no second factor enrolled yet`);
  const { code, step } = await nextFreshCode(creds);
  const r = await trpc(null, 'auth.completeLogin', { ticket: step1.ticket, code });
  if (r.status !== 200) throw new Error(`auth.completeLogin for ${creds.username} → ${r.status}: ${r.error?.message}`);
  codeUsed(creds, step);
  const session = cookieFrom(r.setCookie);
  if (!session) throw new Error('auth.completeLogin set no session cookie');
  noteSession(creds.username, session);
  return session;
}

/** Puts a session cookie into the browser context (as the server would have set it). */
export async function addSessionCookie(context: BrowserContext, session: string): Promise<void> {
  await context.addCookies([{ name: SESSION_COOKIE, value: session, url: tesseraUrl(), httpOnly: true, sameSite: 'Strict' }]);
}

/** The session cookie the browser holds now, if any. */
export async function browserSession(page: Page): Promise<string | undefined> {
  return (await page.context().cookies(tesseraUrl())).find((c) => c.name === SESSION_COOKIE)?.value;
}

// ---------------------------------------------------------------------------
// Setup link, first admin.

const run = promisify(execFile);

/**
 * A live one-time setup link for the e2e server: the one `serve` printed at
 * start (if still unused), else a new one from `tessera init --data DIR`.
 * The link points at the e2e server's real port.
 */
export async function setupLink(): Promise<string> {
  const printed = process.env.TESSERA_E2E_SETUP_URL;
  const printedToken = printed ? new URL(printed).searchParams.get('token') : null;
  if (printedToken) {
    const r = await trpc<{ valid: boolean }>(null, 'system.setupTokenValid', { token: printedToken }, { type: 'query' });
    if (r.data?.valid) return `${tesseraUrl()}/setup?token=${encodeURIComponent(printedToken)}`;
  }
  const dataDir = process.env.TESSERA_E2E_DATA!;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'init', '--data', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, TESSERA_DATA: dataDir },
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? err.message }));
  const token = /\/setup\?token=([A-Za-z0-9_%-]+)/.exec(`${stdout}\n${stderr}`)?.[1];
  if (!token) throw new Error(`tessera init printed no setup link:\n${stdout}\n${stderr}`);
  return `${tesseraUrl()}/setup?token=${token}`;
}

/**
 * Drives the setup page at `link` like a person would: username, password
 * twice, Continue; then reads the secret shown for manual entry, computes the
 * code and finishes. Leaves the page signed in on the console. Returns the
 * new admin's credentials (not remembered: `setupFirstAdmin` does that).
 */
export async function completeSetupPage(
  page: Page,
  link: string,
  opts: { username?: string; displayName?: string; password?: string; screenshots?: boolean } = {},
): Promise<{ creds: OperatorCreds; step: number }> {
  const username = opts.username ?? 'admin';
  const password = opts.password ?? E2E_PASSWORD;
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Set up Tessera' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  if (opts.displayName) await page.getByLabel('Display name').fill(opts.displayName);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  if (opts.screenshots) await shot(page, 'setup-1-account');
  await page.getByRole('button', { name: 'Continue' }).click();
  const secret = await readShownSecret(page);
  if (opts.screenshots) await shot(page, 'setup-2-enroll');
  const { code, step } = await freshCodeAfter(secret, 0);
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
  return { creds: { username, password, totpSecret: secret, role: 'admin', ...(opts.displayName ? { displayName: opts.displayName } : {}) }, step };
}

/** The Base32 secret an enrollment screen shows for manual entry (grouped by 4; spaces removed here). */
export async function readShownSecret(page: Page): Promise<string> {
  const el = page.getByTestId('otp-secret');
  await expect(el).toBeVisible({ timeout: 15_000 });
  return ((await el.textContent()) ?? '').replace(/\s+/g, '');
}

/**
 * The run's first admin, set up through the setup page the first time any
 * spec asks (leaving `page` signed in as them), remembered after that
 * (`page` is then left as it was: use `openConsoleAs`).
 */
export async function setupFirstAdmin(page: Page): Promise<OperatorCreds> {
  const memo = readMemo();
  if (memo.admin && memo.operators[memo.admin]) return memo.operators[memo.admin]!;
  const { creds, step } = await completeSetupPage(page, await setupLink(), { username: 'admin', displayName: 'Ada Admin' });
  const session = await browserSession(page);
  remember({ ...creds, lastStep: step, ...(session ? { session } : {}) });
  const next = readMemo();
  next.admin = creds.username;
  writeMemo(next);
  return creds;
}

// ---------------------------------------------------------------------------
// Operators.

/** The starting password `createOperator` gives before the operator replaces it with their own (`password`). */
export const startingPasswordFor = (password: string) => `start: ${password}`;

/**
 * A new operator with `role`, created by `admin` through the console API
 * (`operators.create`), whose first sign-in (enrolling their own TOTP, then
 * replacing the starting password with `password`, as the server requires)
 * is then done through the API too. Returns credentials; the session from
 * that first sign-in is remembered for `openConsoleAs`. With `enroll: false`
 * the operator is left as created: `password` is then their starting one.
 */
export async function createOperator(
  admin: OperatorCreds,
  role: OperatorRole,
  opts: { username?: string; displayName?: string; password?: string; enroll?: boolean } = {},
): Promise<OperatorCreds> {
  const username = opts.username ?? uniqueName(role);
  const password = opts.password ?? E2E_PASSWORD;
  const adminSession = await sessionFor(admin);
  const starting = opts.enroll === false ? password : startingPasswordFor(password);
  await trpcOk(adminSession, 'operators.create', { username, role, password: starting, ...(opts.displayName ? { displayName: opts.displayName } : {}) });
  if (opts.enroll === false) {
    const creds: OperatorCreds = { username, password, totpSecret: '', role, ...(opts.displayName ? { displayName: opts.displayName } : {}) };
    remember({ ...creds, lastStep: 0 });
    return creds;
  }
  const step1 = await trpcOk<{ next: 'enroll'; ticket: string; secret: string }>(null, 'auth.login', { username, password: starting });
  if (step1.next !== 'enroll') throw new Error(`expected the first sign-in of ${username} to enroll, got ${step1.next}`);
  const { code, step } = await freshCodeAfter(step1.secret, 0);
  const r = await trpc(null, 'auth.completeEnrollment', { ticket: step1.ticket, code });
  if (r.status !== 200) throw new Error(`auth.completeEnrollment for ${username} → ${r.status}: ${r.error?.message}`);
  const creds: OperatorCreds = { username, password, totpSecret: step1.secret, role, ...(opts.displayName ? { displayName: opts.displayName } : {}) };
  const session = cookieFrom(r.setCookie);
  // The server lets them do nothing else until the password someone else set is replaced (this session stays).
  if (session) await trpcOk(session, 'profile.changePassword', { currentPassword: starting, newPassword: password });
  remember({ ...creds, lastStep: step, ...(session ? { session } : {}) });
  return creds;
}

// ---------------------------------------------------------------------------
// Signing in the browser.

/**
 * Signs in through the login page like a person: username, password, then a
 * fresh code from the operator's authenticator. Leaves the page on the
 * console (or on `next`, when the login page was reached with ?next=).
 */
export async function signIn(page: Page, creds: OperatorCreds, opts: { screenshots?: string } = {}): Promise<void> {
  if (!page.url().includes('/login')) await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await page.getByLabel('Username').fill(creds.username);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(creds.password);
  if (opts.screenshots) await shot(page, `${opts.screenshots}-1-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const codeField = page.getByLabel('6-digit code');
  await expect(codeField).toBeVisible();
  if (opts.screenshots) await shot(page, `${opts.screenshots}-2-code`);
  const { code, step } = await nextFreshCode(creds);
  await codeField.fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
  codeUsed(creds, step);
  noteSession(creds.username, await browserSession(page));
}

/**
 * Opens the console at `path` signed in as `creds`: reuses the operator's
 * remembered session when the server still accepts it (no TOTP step spent),
 * else signs in through the API. Fast; use `signIn` to test the login page.
 */
export async function openConsoleAs(page: Page, creds: OperatorCreds, path = '/'): Promise<void> {
  await page.context().clearCookies();
  await addSessionCookie(page.context(), await sessionFor(creds));
  await page.goto(path);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 15_000 });
}

/** The admin, signed in on `page` at `path` (setting the admin up if no spec has yet). */
export async function openConsoleAsAdmin(page: Page, path = '/'): Promise<OperatorCreds> {
  const admin = await setupFirstAdmin(page);
  await openConsoleAs(page, admin, path);
  return admin;
}

/** Forgets the operator's remembered session (e.g. after signing out in the UI). */
export function forgetSession(creds: OperatorCreds): void {
  noteSession(creds.username, undefined);
}

// ---------------------------------------------------------------------------
// Data helpers for specs (through the same console API, as the admin).

/** Creates users through `users.create` as `admin`; returns their usernames. */
export async function createUsers(admin: OperatorCreds, users: { username: string; displayName?: string; email?: string }[]): Promise<string[]> {
  const session = await sessionFor(admin);
  for (const u of users) await trpcOk(session, 'users.create', u);
  return users.map((u) => u.username);
}

/** A new API key with the given scopes (for checking codes through the REST API). */
export async function createApiKey(admin: OperatorCreds, scopes: ('verify' | 'provision' | 'audit')[]): Promise<string> {
  const r = await trpcOk<{ key: string }>(await sessionFor(admin), 'apiKeys.create', { name: uniqueName('e2e-key'), scopes });
  return r.key;
}

/** `POST /api/v1/verify` with an API key. */
export async function restVerify(apiKey: string, user: string, code: string): Promise<{ status: number; body: { ok?: boolean; reason?: string } }> {
  const res = await fetch(`${tesseraUrl()}/api/v1/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, code }),
  });
  return { status: res.status, body: (await res.json()) as { ok?: boolean; reason?: string } };
}

// ---------------------------------------------------------------------------
// QR codes on screen.

/**
 * Decodes the QR code shown on the page (the `otp-qr` image) the way a phone
 * would see it: a screenshot of the element, read by `zbarimg` (zbar-tools).
 * Returns the text, e.g. an otpauth:// URI.
 */
export async function readQrUri(page: Page): Promise<string> {
  const qr = page.getByTestId('otp-qr');
  await expect(qr).toBeVisible();
  const file = test.info().outputPath(`qr-${Date.now()}.png`);
  await qr.screenshot({ path: file });
  const { stdout } = await run('zbarimg', ['--raw', '-q', file]).catch((err: { message: string }) => {
    throw new Error(`zbarimg could not read the QR code (apt-get install zbar-tools): ${err.message}`);
  });
  return stdout.trim();
}

/** Records an operator who enrolled through the UI (e.g. the first sign-in journey). */
export async function rememberEnrolled(page: Page, creds: OperatorCreds, step: number): Promise<void> {
  const session = await browserSession(page);
  remember({ ...creds, lastStep: step, ...(session ? { session } : {}) });
}

// ---------------------------------------------------------------------------
// REST helpers (what an application does), for seeding data and checking codes.

/** A REST call with an API key; returns status and parsed JSON. */
export async function rest(apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${tesseraUrl()}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/**
 * A user with an active TOTP factor (SHA-1/6/30), made over REST with a
 * provision key. The factor is confirmed with the PREVIOUS step's code
 * (inside the ±1 window), so the current step is still free for a verify.
 */
export async function provisionTotpUser(
  apiKey: string,
  username: string,
  extra: { displayName?: string; email?: string } = {},
): Promise<{ secret: string; factorId: string }> {
  const u = await rest(apiKey, 'POST', '/users', { username, ...extra });
  if (u.status !== 201) throw new Error(`POST /users → ${u.status} ${JSON.stringify(u.json)}`);
  const f = await rest(apiKey, 'POST', `/users/${encodeURIComponent(username)}/factors`, { type: 'totp' });
  if (f.status !== 201) throw new Error(`POST factors → ${f.status} ${JSON.stringify(f.json)}`);
  const c = await rest(apiKey, 'POST', `/users/${encodeURIComponent(username)}/factors/${f.json.id}/confirm`, {
    code: totpCode(f.json.secret, Date.now() - 30_000),
  });
  if (c.status !== 200) throw new Error(`confirm → ${c.status} ${JSON.stringify(c.json)}`);
  return { secret: f.json.secret as string, factorId: f.json.id as string };
}

/**
 * Imports users through the console's CSV import (preview, start, wait for
 * the job) as `admin`: the quick way to seed many users. Returns the job's result.
 */
export async function importUsersCsv(
  admin: OperatorCreds,
  csv: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ created: number; skipped: number; rejected: number }> {
  const session = await sessionFor(admin);
  const headers = { cookie: `${SESSION_COOKIE}=${session}`, 'x-tessera-csrf': '1' };
  const p = await fetch(`${tesseraUrl()}/console/users/import/preview`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv });
  const preview = (await p.json()) as { planId: string };
  if (p.status !== 200) throw new Error(`import preview → ${p.status} ${JSON.stringify(preview)}`);
  const s = await fetch(`${tesseraUrl()}/console/users/import`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ planId: preview.planId }),
  });
  const started = (await s.json()) as { jobId: string };
  if (s.status !== 202) throw new Error(`import start → ${s.status} ${JSON.stringify(started)}`);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const job = await trpcOk<{ state: string; result: { created: number; skipped: number; rejected: number } | null; message: string | null }>(
      session,
      'jobs.get',
      { id: started.jobId },
      'query',
    );
    if (job.state === 'done') return job.result!;
    if (job.state !== 'running') throw new Error(`import ${job.state}: ${job.message}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('import did not finish in time');
}
