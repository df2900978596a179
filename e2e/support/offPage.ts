/**
 * What a spec does off the page: tRPC and REST calls (as an operator or an
 * API key), reading a download and its CSV, editing the database behind
 * Tessera's back, and a screenshot from the top. The sign-in fixtures are in
 * console.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Download, Page } from '@playwright/test';
import { expect, shot, tesseraUrl, trpcOk, sessionFor, type OperatorCreds } from './console';

/** A console tRPC query as `creds` (through the API, not the page). */
export async function query<T>(creds: OperatorCreds, procedure: string, input?: unknown): Promise<T> {
  return trpcOk<T>(await sessionFor(creds), procedure, input, 'query');
}

/** A console tRPC mutation as `creds`. */
export async function mutate<T>(creds: OperatorCreds, procedure: string, input?: unknown): Promise<T> {
  return trpcOk<T>(await sessionFor(creds), procedure, input, 'mutation');
}

/** `POST /api/v1/verify` with a wrong code, `n` times (each writes one audit entry: a failure, or denied once throttled). */
export async function failVerifies(apiKey: string, user: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${tesseraUrl()}/api/v1/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user, code: '000000' }),
    });
    await res.arrayBuffer();
  }
}

/** A REST call with an API key; returns the status and the parsed body. */
export async function rest(apiKey: string, method: string, pathname: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${tesseraUrl()}/api/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Waits for the download a click starts, and returns its file name and text. */
export async function downloadText(page: Page, start: () => Promise<void>): Promise<{ name: string; text: string; download: Download }> {
  const [download] = await Promise.all([page.waitForEvent('download'), start()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8'), download };
}

// One CSV reader for the e2e specs and the export route's tests.
export { parseCsv } from '../../server/testing/csv';

/**
 * Runs `fn` with one audit entry's stored reason changed behind Tessera's
 * back (a second SQLite connection to the e2e server's database, as an
 * attacker with the file would), then puts it back — so the log is intact
 * again for the specs that follow.
 */
export async function withTamperedEntry(seq: number, fn: () => Promise<void>): Promise<void> {
  const file = path.join(process.env.TESSERA_E2E_DATA!, 'tessera.db');
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const row = db.prepare('SELECT reason FROM audit_log WHERE seq = ?').get(seq) as { reason: string | null } | undefined;
  expect(row, `audit entry #${seq} exists`).toBeDefined();
  db.prepare('UPDATE audit_log SET reason = ? WHERE seq = ?').run('edited behind Tessera’s back', seq);
  try {
    await fn();
  } finally {
    db.prepare('UPDATE audit_log SET reason = ? WHERE seq = ?').run(row!.reason, seq);
    db.close();
  }
}

/**
 * `shot`, from the top of the page: a full-page screenshot of a scrolled
 * page repeats the sticky header half-way down.
 */
export async function screen(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, name);
}
