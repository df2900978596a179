import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateSettings } from '../services/settings';
import { closeServices } from '../services/system';
import { SYSTEM_ACTOR } from '../services/index';
import { openTessera } from '../tessera';
import { hotpCode, totpCode, wrongCode } from '../testing/otp';
import { childEnv, runTessera, startServeProcess, type ServeProcess } from '../testing/serverProcess';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';

/**
 * Issue 17: three real `tessera serve` processes (the CLI's own entry
 * point, each its own data folder and loopback port, one shared master key)
 * on one PostgreSQL database behave as one Tessera: a code is single-use
 * across nodes, a lock earned on one node holds on all, a node killed with
 * SIGKILL under load loses no write it acknowledged and the audit chain
 * stays valid, and an HOTP counter only moves forward whichever node is
 * asked. Runs on the PostgreSQL run only (vitest.postgres.config.ts).
 */

const onPostgres = testBackend() === 'postgres';
if (!onPostgres)
  console.warn('server/multinode/nodes.test.ts skipped here: it runs in the postgres project (npx vitest run --project postgres server/multinode)');

const V1 = '/api/v1';
/** The lock comes after this many failures in a row (set before the nodes start, so no test waits out doubling delays). */
const LOCK_AFTER = 4;

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

let url = '';
let masterKey = '';
let apiKey = '';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-multinode-'));
const nodes: ServeProcess[] = [];
const dataDirs: string[] = [];
let n = 0;

/** The database password as the URL holds it and decoded: neither may appear in a node's output. */
function passwords(): string[] {
  const raw = new URL(url).password;
  return [raw, decodeURIComponent(raw)];
}

/** What every node and CLI run shares: the master key, and one audit anchor file (README: several nodes share one). */
function env(): NodeJS.ProcessEnv {
  return childEnv({ TESSERA_MASTER_KEY: masterKey, TESSERA_AUDIT_ANCHOR: path.join(root, 'shared', 'audit.anchor') });
}

async function call(node: ServeProcess, method: string, pathname: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${node.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const verify = (node: ServeProcess, user: string, code: string) => call(node, 'POST', `${V1}/verify`, { user, code });

async function newUser(node: ServeProcess, prefix: string): Promise<string> {
  const username = `${prefix}-${++n}`;
  const r = await call(node, 'POST', `${V1}/users`, { username });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return username;
}

/** Enrolls and confirms a factor through `node`'s REST API; a TOTP factor's confirming step is then used up. */
async function activeFactor(node: ServeProcess, user: string, type: 'totp' | 'hotp'): Promise<{ id: string; secret: string }> {
  const e = await call(node, 'POST', `${V1}/users/${user}/factors`, { type });
  expect(e.status, JSON.stringify(e.json)).toBe(201);
  const factor = { id: String(e.json.id), secret: String(e.json.secret) };
  const code = type === 'totp' ? totpCode(factor, Date.now()) : hotpCode(factor, 0);
  const c = await call(node, 'POST', `${V1}/users/${user}/factors/${factor.id}/confirm`, { code });
  expect(c.status, JSON.stringify(c.json)).toBe(200);
  return factor;
}

/** The next step's TOTP code: inside the ±1 window now and after the confirming step, so never a replay of it. */
const nextTotp = (f: { secret: string }) => totpCode(f, Date.now(), 1);
/** A code no step near now has. */
function badTotp(f: { secret: string }): string {
  const near = [-2, -1, 0, 1, 2, 3].map((o) => totpCode(f, Date.now(), o));
  return wrongCode(near[0]!, near);
}

/** Every audit entry about `user` of `action`, read through `node`'s REST API (all pages). */
async function auditOf(node: ServeProcess, user: string, action: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const q = new URLSearchParams({ user, action, limit: '500', ...(cursor ? { cursor } : {}) });
    const r = await call(node, 'GET', `${V1}/audit?${q}`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    items.push(...(r.json.items as Record<string, unknown>[]));
    cursor = r.json.nextCursor as string | null;
    if (!cursor) return items;
  }
  throw new Error('more than 100 audit pages');
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!onPostgres) return;
  url = (await freshTestDatabase())!;
  masterKey = randomBytes(32).toString('hex');
  fs.mkdirSync(path.join(root, 'shared'), { mode: 0o700 });
  for (let i = 1; i <= 3; i++) {
    const d = path.join(root, `node${i}`);
    dataDirs.push(d);
  }
  // The first node initialises the database (schema, keys) with the shared key, and makes the API key.
  await runTessera(['init', '--data', dataDirs[0]!, '--database', url], { env: env() });
  const made = await runTessera(['apikey', 'create', '--name', 'multinode', '--scopes', 'verify,provision,audit', '--data', dataDirs[0]!, '--database', url], {
    env: env(),
  });
  apiKey = made.stdout.trim().split('\n').pop()!;
  expect(apiKey).toMatch(/^tsk_/);
  // A lock after LOCK_AFTER failures in a row (the free attempts stay 3): reachable without waiting out 2+4+…+64 s.
  const admin = openTessera({ dataDir: dataDirs[0]!, databaseUrl: url, masterKey: Buffer.from(masterKey, 'hex'), env: env(), createIfNew: false });
  try {
    updateSettings(admin, { throttleLockAfter: LOCK_AFTER }, SYSTEM_ACTOR);
  } finally {
    closeServices(admin);
  }
  const started = await Promise.all(dataDirs.map((dataDir) => startServeProcess({ dataDir, databaseUrl: url, masterKey, env: env() })));
  nodes.push(...started);
  for (const node of nodes) {
    expect(node.logs()).toContain(`Database: postgres://${new URL(url).username}:***@`);
    for (const secret of passwords()) expect(node.logs()).not.toContain(secret);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  if (url) await dropTestDatabase(url);
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!onPostgres)('three nodes on one PostgreSQL database', () => {
  it('50 concurrent verifies of one valid code over three nodes: exactly one ok, 49 refusals, 50 audit entries', { timeout: 120_000 }, async () => {
    const user = await newUser(nodes[0]!, 'race');
    const f = await activeFactor(nodes[1]!, user, 'totp');
    const code = nextTotp(f);
    const before = (await auditOf(nodes[2]!, user, 'verify')).length;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => verify(nodes[i % 3]!, user, code)));
    const ok = results.filter((r) => r.json.ok === true);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.status).toBe(200);
    expect(ok[0]!.json.factor).toEqual({ id: f.id, type: 'totp' });
    const refused = results.filter((r) => r.json.ok === false);
    expect(refused).toHaveLength(49);
    // A replay counts as a failure (verify.ts), so after the free ones the rest are refused unchecked by the throttle.
    for (const r of refused) {
      expect([200, 429, 423]).toContain(r.status);
      expect(['code_already_used', 'invalid_code', 'throttled', 'locked']).toContain(r.json.reason);
    }
    expect(refused.filter((r) => r.json.reason === 'code_already_used').length).toBeGreaterThan(0);
    const entries = await auditOf(nodes[0]!, user, 'verify');
    expect(entries.length - before).toBe(50);
    expect(entries.filter((e) => e.outcome === 'success')).toHaveLength(1);
  });

  it('a lock earned on node 1 holds on nodes 2 and 3; an unlock on node 2 frees it on node 1', { timeout: 120_000 }, async () => {
    const [one, two, three] = nodes as [ServeProcess, ServeProcess, ServeProcess];
    const user = await newUser(one, 'lock');
    const f = await activeFactor(one, user, 'totp');
    for (let i = 1; i <= LOCK_AFTER; i++) {
      const r = await verify(one, user, badTotp(f));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toEqual({ ok: false, reason: 'invalid_code' });
    }
    const good = nextTotp(f);
    for (const node of [two, three]) {
      const r = await verify(node, user, good);
      expect(r.status).toBe(423);
      expect(r.json.reason).toBe('locked');
    }
    const seen = await call(three, 'GET', `${V1}/users/${user}`);
    expect((seen.json.throttle as Record<string, unknown>).state).toBe('locked');
    expect((seen.json.throttle as Record<string, unknown>).failures).toBe(LOCK_AFTER);

    const unlock = await call(two, 'POST', `${V1}/users/${user}/unlock`, { reason: 'checked by phone' });
    expect(unlock.status, JSON.stringify(unlock.json)).toBe(200);
    expect(unlock.json.throttle).toEqual({ failures: 0, state: 'ok', retryAfterSeconds: null });
    // The refused code was never checked, so it is still unused: node 1 accepts it now.
    const r = await verify(one, user, good);
    expect(r.json).toEqual({ ok: true, factor: { id: f.id, type: 'totp' } });
  });

  it('an HOTP counter only moves forward, whichever node is asked', { timeout: 120_000 }, async () => {
    const [one, two, three] = nodes as [ServeProcess, ServeProcess, ServeProcess];
    const user = await newUser(two, 'hotp');
    const f = await activeFactor(two, user, 'hotp'); // confirmed with counter 0: the next is 1
    const counter = async () => (await sql<{ counter: number }>('SELECT counter::int AS counter FROM factors WHERE id = $1', [f.id]))[0]!.counter;
    expect(await counter()).toBe(1);
    const ok = { ok: true, factor: { id: f.id, type: 'hotp' } };

    expect((await verify(one, user, hotpCode(f, 3))).json).toEqual(ok); // look-ahead: 1 and 2 are skipped
    expect(await counter()).toBe(4);
    // Behind the counter, on the other nodes: refused, and the counter stays.
    for (const [node, c] of [
      [two, 1],
      [three, 2],
      [two, 3],
    ] as const) {
      const r = await verify(node, user, hotpCode(f, c));
      expect(r.json.ok, `code ${c} on another node`).toBe(false);
      expect(['code_already_used', 'invalid_code']).toContain(r.json.reason);
      expect(await counter()).toBe(4);
    }
    expect((await verify(three, user, hotpCode(f, 4))).json).toEqual(ok);
    expect(await counter()).toBe(5);
    expect((await verify(two, user, hotpCode(f, 6))).json).toEqual(ok);
    expect(await counter()).toBe(7);
    const back = await verify(one, user, hotpCode(f, 5));
    expect(back.json.ok).toBe(false);
    expect(await counter()).toBe(7);
  });

  it('kill -9 of a node under load: no acknowledged write is lost, the others keep answering, the audit chain verifies', { timeout: 240_000 }, async () => {
    const users: { user: string; node: number }[] = [];
    const factors: { user: string; id: string }[] = [];
    const verifies = new Map<string, number>();
    const ackedAfterKill = [0, 0, 0];
    let killed = false;
    let stop = false;
    const victim = 2;

    /** One worker: create a user, enroll TOTP, verify a code, on the nodes in turn; records every 2xx. */
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const at = (w + i) % 3;
        const node = nodes[at]!;
        try {
          const user = `load-${w}-${i}`;
          const created = await call(node, 'POST', `${V1}/users`, { username: user });
          if (created.status !== 201) continue;
          users.push({ user, node: at });
          if (killed) ackedAfterKill[at]!++;
          const enrolled = await call(node, 'POST', `${V1}/users/${user}/factors`, { type: 'totp' });
          if (enrolled.status !== 201) continue;
          factors.push({ user, id: String(enrolled.json.id) });
          const v = await verify(node, user, '000000');
          if (v.status === 200) verifies.set(user, (verifies.get(user) ?? 0) + 1);
        } catch (err) {
          // The killed node's connections fail: not acknowledged, so not counted.
          if (!killed || at !== victim)
            throw new Error(`node ${at + 1} failed (${String(err)}${killed ? ', after the kill' : ''}). Its output:\n${node.logs()}`);
        }
      }
    };

    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    const waitFor = async (what: string, done: () => boolean) => {
      const deadline = Date.now() + 90_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitFor('30 acknowledged users before the kill', () => users.length >= 30);
      nodes[victim]!.child.kill('SIGKILL');
      killed = true;
      const exit = await nodes[victim]!.stop();
      expect(exit.signal).toBe('SIGKILL');
      // The two left go on: each acknowledges more writes after the kill.
      await waitFor('writes on both surviving nodes after the kill', () => ackedAfterKill[0]! >= 15 && ackedAfterKill[1]! >= 15);
    } finally {
      stop = true;
      await Promise.allSettled(workers);
    }
    const workerResults = await Promise.allSettled(workers);
    for (const r of workerResults) expect(r.status, r.status === 'rejected' ? String(r.reason) : '').toBe('fulfilled');

    // Every acknowledged write is there, read through a surviving node.
    const reader = nodes[0]!;
    for (const { user } of users) {
      const r = await call(reader, 'GET', `${V1}/users/${user}`);
      expect(r.status, `user ${user}`).toBe(200);
    }
    const storedFactors = new Set((await sql<{ id: string }>('SELECT id FROM factors')).map((row) => row.id));
    for (const { user, id } of factors) expect(storedFactors.has(id), `factor ${id} of ${user}`).toBe(true);
    for (const [user, count] of verifies) {
      expect((await auditOf(nodes[1]!, user, 'verify')).length, `verify entries of ${user}`).toBeGreaterThanOrEqual(count);
    }
    expect(users.length).toBeGreaterThanOrEqual(60);

    // The killed node comes back on its own data folder and sees what the others wrote meanwhile.
    nodes[victim] = await startServeProcess({ dataDir: dataDirs[victim]!, databaseUrl: url, masterKey, env: env() });
    const lastUser = users[users.length - 1]!.user;
    expect((await call(nodes[victim]!, 'GET', `${V1}/users/${lastUser}`)).status).toBe(200);

    // The chain the three nodes wrote together is valid (the CLI, against the database).
    const checked = await runTessera(['audit', 'verify', '--data', dataDirs[0]!, '--database', url], { env: env() });
    expect(checked.stdout).toMatch(/^Audit log OK: \d+ entries/);
    expect(fs.existsSync(path.join(root, 'shared', 'audit.anchor'))).toBe(true);
    for (const secret of passwords()) expect(`${checked.stdout}${checked.stderr}`).not.toContain(secret);
  });
});
