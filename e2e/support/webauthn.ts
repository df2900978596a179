/**
 * WebAuthn helpers for the e2e specs: Chromium's virtual authenticator over
 * CDP, the `tessera` CLI against the e2e server's data folder, audit entries
 * through the REST API, and the e2e server's address by name (localhost:
 * WebAuthn refuses an IP address as RP ID).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { CDPSession, Page } from '@playwright/test';
import { tesseraUrl } from './fixtures';
import { CLI_ENTRY, REPO_ROOT } from './server';

const run = promisify(execFile);

/** The e2e server by name: http://localhost:PORT. */
export function tesseraByName(): string {
  return tesseraUrl().replace('//127.0.0.1:', '//localhost:');
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  id: string;
}

/**
 * A platform authenticator in this page's browser (ctap2, internal transport,
 * resident keys, user verification), answering without any dialog.
 */
export async function addVirtualAuthenticator(page: Page, opts: { cdp?: CDPSession } = {}): Promise<VirtualAuthenticator> {
  const cdp = opts.cdp ?? (await page.context().newCDPSession(page));
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export async function credentialsOf(a: VirtualAuthenticator): Promise<VirtualCredential[]> {
  const { credentials } = await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id });
  return credentials as VirtualCredential[];
}

/** Runs the `tessera` CLI against the e2e server's data folder (as an admin at the console host would). */
export async function tesseraCli(args: string[]): Promise<string> {
  const dataDir = process.env.TESSERA_E2E_DATA;
  if (!dataDir) throw new Error('TESSERA_E2E_DATA is not set: run the specs with `npx playwright test`');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args, '--data', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, TESSERA_DATA: dataDir },
  });
  return stdout;
}

/** A new API key (the last line `apikey create` prints). */
export async function createKeyWithCli(args: string[]): Promise<string> {
  const out = await tesseraCli(['apikey', 'create', ...args]);
  const lines = out.trimEnd().split('\n');
  return lines[lines.length - 1]!;
}

export interface AuditItem {
  seq: number;
  action: string;
  user: string | null;
  outcome: string;
  reason: string | null;
  actor: { kind: string; name: string | null };
  details: Record<string, unknown> | null;
}

/** The newest audit entries matching the filters (GET /api/v1/audit with an audit key). */
export async function auditEntries(auditKey: string, filter: { action?: string; user?: string; actor?: string; limit?: number }): Promise<AuditItem[]> {
  const q = new URLSearchParams({ limit: String(filter.limit ?? 20) });
  for (const k of ['action', 'user', 'actor'] as const) if (filter[k]) q.set(k, filter[k]!);
  const res = await fetch(`${tesseraUrl()}/api/v1/audit?${q}`, { headers: { authorization: `Bearer ${auditKey}` } });
  if (!res.ok) throw new Error(`GET /audit → ${res.status}`);
  return ((await res.json()) as { items: AuditItem[] }).items;
}

/**
 * Runs `fn` on a second connection to the e2e server's database (as someone
 * with the file would): for what a browser cannot do, like aging a challenge.
 */
export function withDatabase<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(process.env.TESSERA_E2E_DATA!, 'tessera.db'));
  db.pragma('busy_timeout = 5000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The challenge a WebAuthn response answers (from its client data). */
export function challengeOf(response: { response: { clientDataJSON: string } }): string {
  return (JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge: string }).challenge;
}
