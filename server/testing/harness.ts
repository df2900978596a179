import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openTessera, startTessera, type RunningTessera } from '../tessera';
import { operatorAuth, SYSTEM_ACTOR, type Services } from '../services/index';
import { createApiKey } from '../services/apiKeys';
import { createOperator } from '../services/operatorAccounts';
import { SESSION_ABSOLUTE_MS } from '../services/operatorAuth';
import { generateToken, hashToken } from '../core/tokens';
import { usernameKey } from '../../shared/schemas/text';
import { randomUUID } from 'node:crypto';
import type { OtpAlgorithm, OtpDigits, TotpPeriod } from '../core/otp/types';
import type { OperatorRole } from '../../shared/schemas/operators';
import type { AuditRow } from '../store/index';
import { hotpCode, totpCode } from './otp';

export { codeForStep, hotpCode, totpCode, totpStepAt, wrongCode } from './otp';
import { rawConnection, rawSqlite } from '../store/testing';
import { dropTestDatabase, freshTestDatabase } from './testDatabase';

/**
 * Integration-test harness: a real Tessera (SQLite file in a fresh temp dir,
 * HTTP on a random loopback port) with a controllable clock, one API key per
 * scope, a fetch-based caller and a deterministic dump of the database.
 */

/** 2026-01-01T00:00:10Z: a third of the way into a 30 s TOTP step. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 1, 0, 0, 10);

export interface CallOptions {
  /** A raw API key (`tsk_…`); no Authorization header when absent. */
  key?: string;
  /** Serialised as JSON with Content-Type: application/json. */
  body?: unknown;
  /** Sent as is; set the content-type yourself in `headers`. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** The parsed body when it is JSON, else null. */
  json: any;
  text: string;
}

export interface TestKeys {
  all: string;
  verify: string;
  provision: string;
  audit: string;
}

export interface TestServer {
  url: string;
  dataDir: string;
  services: Services;
  running: RunningTessera;
  keys: TestKeys;
  clock: {
    now(): number;
    advance(ms: number): number;
    set(ms: number): number;
  };
  call(method: string, pathname: string, opts?: CallOptions): Promise<CallResult>;
  /** Every table's rows, ordered by rowid, as one JSON string (BLOBs as hex). */
  snapshot(): string;
  /** Rows in audit_log. */
  auditCount(): number;
  /** The audit entries after `seq` (from auditCount() or an entry's seq), oldest first. */
  auditSince(seq: number): AuditRow[];
  /**
   * An operator of `role` (created unless it exists), signed in through the
   * real services with a freshly enrolled TOTP code: the Cookie header value.
   */
  signIn(username: string, role: OperatorRole): Promise<string>;
  /** POST /users with the provision key; throws unless 201. */
  createUser(username: string, extra?: { displayName?: string; email?: string }): Promise<void>;
  /**
   * Enrolls and confirms a factor over REST. A TOTP factor is confirmed with
   * the current step's code and the clock then moves one period on, so the
   * next step is free; an HOTP factor is confirmed with counter 0 (next: 1).
   */
  activeFactor(username: string, type: 'totp' | 'hotp', opts?: OtpOptions): Promise<Factor>;
  close(): Promise<void>;
}

export interface StartOptions {
  startMs?: number;
}

export async function startTestServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-it-'));
  let now = opts.startMs ?? DEFAULT_START_MS;
  // On the PostgreSQL run (vitest.postgres.config.ts) every test server has a database of its own.
  const databaseUrl = await freshTestDatabase();
  const running = await startTessera({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    port: 0,
    clock: () => now,
    // Keep the master key in the temp dir, whatever the developer's environment says.
    env: {},
    // The tests call expirePendingFactors themselves when they want a sweep.
    sweepIntervalMs: 24 * 3_600_000,
  });
  const { services, url } = running;

  // Keys first, so the snapshots taken later already contain them.
  const key = (name: string, scopes: ('verify' | 'provision' | 'audit')[]) => createApiKey(services, { name, scopes }, SYSTEM_ACTOR).key;
  const keys: TestKeys = {
    all: key('test-all', ['audit', 'provision', 'verify']),
    verify: key('test-verify', ['verify']),
    provision: key('test-provision', ['provision']),
    audit: key('test-audit', ['audit']),
  };

  async function call(method: string, pathname: string, o: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    if (o.rawBody !== undefined) body = o.rawBody;
    if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`;
    Object.assign(headers, o.headers ?? {});
    const target = new URL(pathname, url);
    // fetch silently drops a Host header; use node:http only when a test sets one.
    const hasHost = Object.keys(headers).some((h) => h.toLowerCase() === 'host');
    const res = hasHost ? await rawRequest(target, method, headers, body) : await viaFetch(target, method, headers, body);
    return res;
  }

  function snapshot(): string {
    if (services.store.db.dialect === 'postgres') return postgresSnapshot(services);
    const db = rawSqlite(services.store);
    const tables = db
      .prepare<[], { name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all();
    const dump: Record<string, unknown[]> = {};
    for (const { name: t, sql } of tables) {
      const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
      // WITHOUT ROWID tables have no rowid: order them by every column instead.
      const order = /without\s+rowid/i.test(sql)
        ? db
            .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info(${`'${t.replace(/'/g, "''")}'`})`)
            .all()
            .map((c) => q(c.name))
            .join(', ')
        : 'rowid';
      const rows = db.prepare(`SELECT * FROM ${q(t)} ORDER BY ${order}`).all() as Record<string, unknown>[];
      dump[t] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : v])));
    }
    return JSON.stringify(dump);
  }

  async function createUser(username: string, extra: { displayName?: string; email?: string } = {}): Promise<void> {
    const r = await call('POST', '/api/v1/users', { key: keys.provision, body: { username, ...extra } });
    if (r.status !== 201) throw new Error(`createUser ${username}: ${r.status} ${r.text}`);
  }

  async function activeFactor(username: string, type: 'totp' | 'hotp', o: OtpOptions = {}): Promise<Factor> {
    const e = await call('POST', `/api/v1/users/${encodeURIComponent(username)}/factors`, { key: keys.provision, body: { type, ...o } });
    if (e.status !== 201) throw new Error(`enroll ${username}: ${e.status} ${e.text}`);
    const factor: Factor = { id: e.json.id, type, secret: e.json.secret, algorithm: o.algorithm ?? 'SHA1', digits: o.digits ?? 6, period: o.period ?? 30 };
    const code = type === 'totp' ? totpCode(factor, now) : hotpCode(factor, 0);
    const c = await call('POST', `/api/v1/users/${encodeURIComponent(username)}/factors/${factor.id}/confirm`, { key: keys.provision, body: { code } });
    if (c.status !== 200) throw new Error(`confirm ${username}: ${c.status} ${c.text}`);
    if (type === 'totp') now += factor.period * 1000;
    return factor;
  }

  return {
    url,
    dataDir,
    createUser,
    activeFactor,
    services,
    running,
    keys,
    clock: {
      now: () => now,
      advance(ms: number) {
        now += ms;
        return now;
      },
      set(ms: number) {
        now = ms;
        return now;
      },
    },
    call,
    snapshot,
    auditCount: () => services.store.audit.stats().count,
    auditSince: (seq) => auditSince(services, seq),
    signIn: async (username, role) => `tessera_session=${await signInOperator(services, username, role, now)}`,
    async close() {
      await running.close();
      if (databaseUrl) await dropTestDatabase(databaseUrl);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** snapshot() on PostgreSQL: every table of the schema, rows ordered by all their columns (no rowid there). */
function postgresSnapshot(services: Services): string {
  const db = rawConnection(services.store);
  const columns = db
    .prepare<[], { table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    )
    .all();
  const byTable = new Map<string, string[]>();
  for (const c of columns) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
  const dump: Record<string, unknown[]> = {};
  const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
  for (const [t, cols] of [...byTable].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rows = db.prepare(`SELECT * FROM ${q(t)} ORDER BY ${cols.map(q).join(', ')}`).all() as Record<string, unknown>[];
    dump[t] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : v])));
  }
  return JSON.stringify(dump);
}

async function viaFetch(target: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<CallResult> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : new Uint8Array(body);
  const res = await fetch(target, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: parseJson(res.headers.get('content-type'), text), text };
}

function rawRequest(target: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        resolve({ status: res.statusCode ?? 0, headers: h, json: parseJson(h.get('content-type'), text), text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function parseJson(contentType: string | null, text: string): unknown {
  if (!contentType?.includes('json') || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Every key anywhere in a JSON value, at any depth. */
export function allKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      allKeys(v, out);
    }
  }
  return out;
}

export interface OtpOptions {
  algorithm?: OtpAlgorithm;
  digits?: OtpDigits;
  period?: TotpPeriod;
}

/** What a test needs to compute a factor's codes. */
export interface Factor {
  id: string;
  type: 'totp' | 'hotp';
  /** Base32, as returned once at enrollment. */
  secret: string;
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
  period: TotpPeriod;
}

/** The audit entries after `seq`, oldest first. */
export function auditSince(services: Services, seq: number): AuditRow[] {
  return [...services.store.audit.iterate(seq + 1)];
}

/** The password every operator made by signInOperator has. */
export const TEST_OPERATOR_PASSWORD = 'a long enough password';

/**
 * Creates `username` as an operator of `role` (unless it exists), signs in
 * with the password and enrolls a TOTP code at `nowMs` (the services' clock):
 * returns the session id.
 */
export async function signInOperator(services: Services, username: string, role: OperatorRole, nowMs: number): Promise<string> {
  if (!services.store.operators.findByKey(username)) {
    const op = await createOperator(services, { username, role, password: TEST_OPERATOR_PASSWORD }, SYSTEM_ACTOR);
    // A created operator must replace the starting password before anything else (issue 18); the tests
    // that use this helper are about other things, so it counts as their own (operatorPasswords tests cover the change).
    services.store.operators.update(op.id, { password_must_change: 0, password_expires_at: null });
  }
  const meta = { ip: null, userAgent: null };
  const step = await operatorAuth.login(services, { username, password: TEST_OPERATOR_PASSWORD }, meta);
  if (step.next !== 'enroll') throw new Error(`signInOperator ${username}: expected the enrollment step, got ${step.next}`);
  return operatorAuth.completeEnrollment(services, { ticket: step.ticket, code: totpCode({ secret: step.secret }, nowMs) }, meta).sessionId;
}

/**
 * An active operator of `role` named `username` with a live console session, written straight into the
 * store (no password, no scrypt: for route tests about something else; the sign-in flow has its own
 * tests): the Cookie header value.
 */
export function sessionCookieInStore(services: Services, username: string, role: OperatorRole, nowMs: number): string {
  const id = randomUUID();
  services.store.operators.insert({
    id,
    username,
    username_key: usernameKey(username),
    display_name: null,
    role,
    password_hash: null,
    status: 'active',
    created_at: nowMs,
  });
  const sessionId = generateToken();
  services.store.sessions.insert({
    id_hash: hashToken(sessionId),
    operator_id: id,
    created_at: nowMs,
    last_seen_at: nowMs,
    expires_at: nowMs + SESSION_ABSOLUTE_MS,
    ip: null,
    user_agent: null,
  });
  return `tessera_session=${sessionId}`;
}

/** Tessera's services on a fresh temp data folder, without HTTP (the store, services and audit log, as `openTessera` gives them). */
export interface TestServices {
  services: Services;
  dataDir: string;
  /** Closes the store and removes the folder. */
  close(): void;
}

export function openTestServices(opts: { clock?: () => number; prefix?: string } = {}): TestServices {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'tessera-svc-'));
  // Keep the master key in the temp dir, whatever the developer's environment says.
  const services = openTessera({ dataDir, env: {}, ...(opts.clock ? { clock: opts.clock } : {}) });
  return {
    services,
    dataDir,
    close() {
      services.store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens an existing data folder (one the CLI made: its key file, never a new one), runs `fn`, closes it. */
export function peekData<T>(dataDir: string, fn: (s: Services) => T): T {
  const s = openTessera({ dataDir, env: {}, createIfNew: false });
  try {
    return fn(s);
  } finally {
    s.store.close();
  }
}
