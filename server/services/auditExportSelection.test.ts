import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeEntryHash } from '../core/audit/chain';
import { keyFingerprint } from '../core/audit/checkpoint';
import { dbPath } from '../runtime/dataDir';
import { openTessera } from '../tessera';
import { exportAuditToFile, verifyAuditBundleFile } from './auditExport';
import type { AuditRow } from '../store/index';
import { CHECKPOINT_EVERY, rowToContent } from './auditLog';
import type { Actor, Services } from './index';

/**
 * Issue 18 item 8: a filtered month's bundle verifies offline, and the
 * exporter refuses to sign a selection of a log an attacker edited through
 * the database file (its own connection, Tessera closed), the way
 * auditIntegrity.test.ts attacks it.
 */

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
const NOV_20 = Date.UTC(2026, 10, 20);
const DEC_1 = Date.UTC(2026, 11, 1);
const JAN_1 = Date.UTC(2027, 0, 1);
const DECEMBER = { from: new Date(DEC_1).toISOString(), to: new Date(JAN_1).toISOString() };

let dir: string;
let data: string;
let now = NOV_20;
let s: Services | null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-selection-'));
  data = path.join(dir, 'data');
  now = NOV_20;
  s = openTessera({ dataDir: data, env: {}, clock: () => now });
  // 1,500 entries an hour apart from 20 November: 264 in November, 744 in December, the rest in January. Crosses checkpoint #1000.
  const svc = s;
  svc.store.tx(() => {
    for (let i = 0; i < 1500; i++) {
      now = NOV_20 + i * 3_600_000;
      svc.audit.append({ actor, action: i % 2 ? 'verify' : 'user.create', user: `user${i % 4}`, outcome: i % 5 ? 'success' : 'failure', details: { i } });
    }
  });
  svc.audit.flushAnchor();
});
afterEach(() => {
  s?.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function live(): Services {
  if (!s) s = openTessera({ dataDir: data, env: {}, createIfNew: false, clock: () => now });
  return s;
}

function attack(edit: (db: Database.Database) => void): void {
  s?.store.close();
  s = null;
  const db = new Database(dbPath(data));
  try {
    db.transaction(() => edit(db))();
  } finally {
    db.close();
  }
}

const file = (name: string) => path.join(dir, name);
const countExports = () => live().store.audit.count({ action: 'audit.export' });

describe('a filtered export is a signed selection that verifies offline', () => {
  it("December's failures: exactly the entries the list shows, the rest counted as left out, signed by the pinned key", async () => {
    const svc = live();
    const filter = { ...DECEMBER, outcome: 'failure' as const };
    const expected = svc.audit.query({ ...filter, order: 'asc', limit: 500 }).items.map((e) => e.seq);
    expect(expected.length).toBeGreaterThan(100);
    // The month spans the signed checkpoint at #1000.
    expect(expected[0]).toBeLessThan(CHECKPOINT_EVERY);
    expect(expected[expected.length - 1]).toBeGreaterThan(CHECKPOINT_EVERY);

    const summary = await exportAuditToFile(svc, file('december.jsonl'), actor, { filter, pageSize: 100 });
    expect(summary).toEqual({ entries: expected.length, headSeq: 1500, filtered: true });
    const lines = fs.readFileSync(file('december.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.slice(1, -1).map((l) => JSON.parse(l).seq)).toEqual(expected);

    const fingerprint = keyFingerprint(svc.keyring.signingKey().publicKeyDer);
    expect(await verifyAuditBundleFile(file('december.jsonl'), { pinnedKey: fingerprint })).toEqual({
      ok: true,
      entries: expected.length,
      head: null,
      exportedAt: new Date(now).toISOString(),
      keyVersion: 1,
      fingerprint,
      pinned: true,
      since: null,
      legacy: false,
      selection: { filter, total: 1500, omitted: 1500 - expected.length },
    });
  });
});

describe('the exporter signs no selection of a tampered log', () => {
  it('an omitted entry edited in the database file: refused, nothing written', async () => {
    // #1200 is in January: outside the December selection, yet the walk recomputes it.
    attack((db) => db.prepare("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 1200").run());
    await expect(exportAuditToFile(live(), file('x.jsonl'), actor, { filter: DECEMBER })).rejects.toThrow(
      /Not exporting a signed selection: audit entry #1200 does not match its hash/,
    );
    expect(fs.existsSync(file('x.jsonl'))).toBe(false);
  });

  it("an entry hidden from the filter by editing its user key: refused (the search column is not the entry's)", async () => {
    const svc = live();
    const victim = svc.audit.query({ ...DECEMBER, user: 'user1', order: 'asc', limit: 1 }).items[0]!.seq;
    attack((db) => db.prepare("UPDATE audit_log SET target_user_key = 'someone else' WHERE seq = ?").run(victim));
    await expect(exportAuditToFile(live(), file('x.jsonl'), actor, { filter: { ...DECEMBER, user: 'user1' } })).rejects.toThrow(
      new RegExp(`audit entry #${victim} has a search column that is not its own`),
    );
    expect(fs.existsSync(file('x.jsonl'))).toBe(false);
  });

  it('the log cut back to a checkpoint (head copied from it): refused before anything is sent or audited', async () => {
    attack((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 1000').run();
      db.prepare(
        'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 1000)',
      ).run();
    });
    const before = countExports();
    await expect(exportAuditToFile(live(), file('x.jsonl'), actor, { filter: DECEMBER })).rejects.toThrow(
      /Not exporting a signed selection: the signed head of the log does not verify/,
    );
    expect(countExports()).toBe(before);
    expect(fs.existsSync(file('x.jsonl'))).toBe(false);
  });

  it('an entry after the last checkpoint edited and every later hash recomputed: no selection and no whole-log bundle is signed over it', async () => {
    attack((db) => {
      db.prepare("UPDATE audit_log SET reason = 'rewritten' WHERE seq = 1200").run();
      let prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 1199').get() as { hash: string }).hash;
      for (const row of db.prepare('SELECT * FROM audit_log WHERE seq >= 1200 ORDER BY seq').all() as AuditRow[]) {
        prev = computeEntryHash(prev, rowToContent(row));
        db.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?').run(prev, row.seq);
      }
      db.prepare('UPDATE audit_head SET hash = ?').run(prev); // its signature cannot follow
    });
    for (const filter of [DECEMBER, undefined]) {
      await expect(exportAuditToFile(live(), file('x.jsonl'), actor, filter ? { filter } : {})).rejects.toThrow(
        new RegExp(`Not exporting a signed ${filter ? 'selection' : 'bundle'}: the signed head of the log does not verify`),
      );
      expect(fs.existsSync(file('x.jsonl'))).toBe(false);
    }
  });

  it('a deleted checkpoint: refused at its entry', async () => {
    attack((db) => db.prepare('DELETE FROM audit_checkpoints WHERE seq = 1000').run());
    await expect(exportAuditToFile(live(), file('x.jsonl'), actor, { filter: DECEMBER })).rejects.toThrow(/audit entry #1000 has no signed checkpoint/);
  });
});
