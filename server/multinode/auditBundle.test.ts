import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/testkit';
import { SYSTEM_ACTOR } from '../services/context';
import type { Services } from '../services/index';
import { createUser } from '../services/users';
import { rawConnection } from '../store/testing';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';
import { openTessera } from '../tessera';

/**
 * Issue 17: on a PostgreSQL store the audit commands work as on SQLite — the
 * log verifies, a bundle exported from it verifies offline against the
 * pinned key, and a row edited in the database fails both — while backup and
 * restore (SQLite file copies) refuse and point at pg_dump / pg_restore.
 */
describe.skipIf(testBackend() !== 'postgres')('audit bundle, backup and restore on PostgreSQL', () => {
  let url: string;
  let dataDir: string;
  let out: string;
  let services: Services;
  let env: NodeJS.ProcessEnv;
  let fingerprint: string;

  beforeAll(async () => {
    url = (await freshTestDatabase())!;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pg-audit-'));
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pg-out-'));
    const masterKey = randomBytes(32);
    env = { TESSERA_DATABASE_URL: url, TESSERA_MASTER_KEY: masterKey.toString('hex') };
    services = openTessera({ dataDir, databaseUrl: url, masterKey, env: {} });
    for (const u of ['bundle-1', 'bundle-2', 'bundle-3']) createUser(services, { username: u }, SYSTEM_ACTOR);
    const key = await run(['audit', 'key', '--data', dataDir], { env });
    expect(key.code, key.stderr).toBe(0);
    fingerprint = /fingerprint:\n {2}([0-9a-f:\s]+?)\n/.exec(key.stdout)![1]!.trim();
  });

  afterAll(async () => {
    services?.store.close();
    if (url) await dropTestDatabase(url);
    for (const d of [dataDir, out]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the log verifies, and its exported bundle verifies offline against the pinned key', async () => {
    const verify = await run(['audit', 'verify', '--data', dataDir], { env });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^Audit log OK: \d+ entries/);
    const bundle = path.join(out, 'audit.jsonl');
    const exported = await run(['audit', 'export', '--out', bundle, '--data', dataDir], { env });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = fs.readFileSync(bundle, 'utf8').trimEnd().split('\n');
    expect(lines.some((l) => l.includes('"bundle-3"'))).toBe(true);
    // Offline: nothing but the file and the fingerprint (no database in the environment).
    const offline = await run(['audit', 'verify', '--bundle', bundle, '--key', fingerprint]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).not.toMatch(/NOT AUTHENTICATED/);
    expect(offline.stdout).toMatch(/Keep for the next check: --since \d+:[0-9a-f]{64}/);
  });

  it('an entry edited in the database (by whoever holds it) fails the log check and the next bundle', async () => {
    const raw = rawConnection(services.store);
    const seq = raw.prepare<[string], { seq: number }>("SELECT seq FROM audit_log WHERE target_user = ? AND action = 'user.create'").get('bundle-2')!.seq;
    raw.prepare<[string, number]>('UPDATE audit_log SET target_user = ? WHERE seq = ?').run('someone-else', seq);
    const verify = await run(['audit', 'verify', '--data', dataDir], { env });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(`Audit log FAILED at entry #${seq}`);
    const bundle = path.join(out, 'tampered.jsonl');
    const exported = await run(['audit', 'export', '--out', bundle, '--data', dataDir], { env });
    // A whole-log export copies what the database holds; the offline check recomputes the chain and finds the edit.
    expect(exported.code, exported.stderr).toBe(0);
    const offline = await run(['audit', 'verify', '--bundle', bundle, '--key', fingerprint]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain(`Audit bundle FAILED at entry #${seq}`);
  });

  it('backup and restore refuse, pointing at pg_dump and pg_restore, and change nothing', async () => {
    const headBefore = services.store.audit.head();
    const file = path.join(out, 'backup.db');
    const backup = await run(['backup', '--out', file, '--data', dataDir], { env });
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain('On PostgreSQL, back up with pg_dump');
    expect(backup.stderr).toContain('pg_restore');
    expect(fs.existsSync(file)).toBe(false);
    expect(services.store.audit.head()).toEqual(headBefore); // no system.backup entry either
    fs.writeFileSync(file, 'not used');
    const restore = await run(['restore', file, '--data', dataDir], { env });
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain('pg_restore');
    expect(fs.existsSync(path.join(dataDir, 'tessera.db'))).toBe(false);
    expect(services.store.audit.head()).toEqual(headBefore);
  });
});
