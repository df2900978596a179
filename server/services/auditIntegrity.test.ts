import { createPrivateKey, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { computeEntryHash, GENESIS_HASH } from '../core/audit/chain';
import { generateSigningKeyPair, signCheckpoint, signHead } from '../core/audit/checkpoint';
import { openTessera, startTessera } from '../tessera';
import { AUDIT_ANCHOR_FILE, dbPath, loadMasterKey } from '../runtime/dataDir';
import type { AuditRow } from '../store/index';
import { backupDatabase, checkBackup, restoreDatabase } from './backup';
import type { Actor, Services } from './index';
import { CHECKPOINT_EVERY, rowToContent } from './auditLog';

/**
 * Issue 11, findings 2, 3 and 4: each attack an attacker with only the
 * database file can make, done on a real data folder through a separate
 * SQLite connection, and the check that must catch it.
 */

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
let dir: string;
let data: string;
let s: Services | null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-integrity-'));
  data = path.join(dir, 'data');
  s = openTessera({ dataDir: data, env: {} });
});
afterEach(() => {
  s?.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function live(): Services {
  if (!s) s = openTessera({ dataDir: data, env: {}, createIfNew: false });
  return s;
}

function close(): void {
  s?.store.close();
  s = null;
}

/** n entries, one transaction per 100 (so the anchor moves as it would in use). */
function addEntries(n: number): void {
  const svc = live();
  for (let done = 0; done < n; done += 100) {
    svc.store.tx(() => {
      for (let i = done; i < Math.min(n, done + 100); i++) {
        svc.audit.append({ actor, action: i % 2 ? 'verify' : 'user.create', user: `User${i % 7}`, outcome: i % 5 ? 'success' : 'failure', details: { i } });
      }
    });
  }
  svc.audit.flushAnchor(); // anchor writes are coalesced (ANCHOR_INTERVAL_MS); tests read the file right away
}

/** Edits the database file as an attacker would: its own connection, Tessera closed. */
function attack(edit: (db: Database.Database) => void): void {
  close();
  const db = new Database(dbPath(data));
  try {
    db.transaction(() => edit(db))();
  } finally {
    db.close();
  }
}

async function verify() {
  return live().audit.verify();
}

describe('finding 2: rollback and wiping with only the database file', () => {
  beforeEach(() => addEntries(CHECKPOINT_EVERY * 2 + 500));

  it('an untouched log verifies, and the anchor file (0600) records its head', async () => {
    expect(await verify()).toMatchObject({ ok: true, entries: 2500, checkpoints: 2 });
    const file = path.join(data, AUDIT_ANCHOR_FILE);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const anchor = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(anchor).toMatchObject({ type: 'tessera-audit-anchor', seq: 2500, hash: live().store.audit.head()!.hash });
    expect(live().audit.anchorStatus()).toMatchObject({ state: 'ok', anchoredSeq: 2500 });
  });

  it('entries after a checkpoint deleted and the checkpoint copied into the head → rolled_back', async () => {
    attack((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 2000').run();
      db.prepare(
        'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 2000)',
      ).run();
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 2001, problem: 'rolled_back' });
    expect(live().audit.anchorStatus()).toMatchObject({ state: 'behind', anchoredSeq: 2500 });
  });

  it('without the anchor, a checkpoint copied into the head still fails: the head signs a message of its own', async () => {
    attack((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 2000').run();
      db.prepare(
        'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 2000)',
      ).run();
    });
    fs.rmSync(path.join(data, AUDIT_ANCHOR_FILE));
    // (Reopening would anchor the forged head only if its signature held: it does not.)
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 2000, problem: 'bad_signature' });
  });

  it('cut back to an older checkpoint (later checkpoints deleted too) → rolled_back', async () => {
    attack((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 1000').run();
      db.prepare('DELETE FROM audit_checkpoints WHERE seq > 1000').run();
      db.prepare(
        'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 1000)',
      ).run();
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 1001, problem: 'rolled_back' });
  });

  it('everything deleted (0 entries, no head, no checkpoints, no counters) → rolled_back at #1', async () => {
    attack((db) => {
      for (const t of ['audit_log', 'audit_head', 'audit_checkpoints', 'audit_daily']) db.prepare(`DELETE FROM ${t}`).run();
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'rolled_back' });
  });

  it('the signed checkpoints deleted → checkpoint_missing', async () => {
    attack((db) => db.prepare('DELETE FROM audit_checkpoints').run());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: CHECKPOINT_EVERY, problem: 'checkpoint_missing' });
  });

  it('one checkpoint of two deleted → checkpoint_missing at it', async () => {
    attack((db) => db.prepare('DELETE FROM audit_checkpoints WHERE seq = 2000').run());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 2000, problem: 'checkpoint_missing' });
  });

  it('an edited anchor file → anchor_invalid (it is signed too)', async () => {
    const file = path.join(data, AUDIT_ANCHOR_FILE);
    const anchor = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...anchor, seq: 1000, hash: live().store.audit.bySeq(1000)!.hash }));
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 0, problem: 'anchor_invalid' });
  });

  it('a server started on a rolled-back folder starts (verifies go on), says so loudly, and its verify fails', async () => {
    attack((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 1000').run();
      db.prepare('DELETE FROM audit_checkpoints WHERE seq > 1000').run();
      db.prepare(
        'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 1000)',
      ).run();
    });
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const running = await startTessera({ dataDir: data, port: 0, env: {}, consoleDir: null, sweepIntervalMs: 3_600_000 });
    try {
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^\[tessera\] AUDIT LOG ROLLBACK OR TAMPERING: the audit log ends at #1000 but its anchor .* records #2500/),
      );
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      expect(await running.services.audit.verify()).toMatchObject({ ok: false, problem: 'rolled_back' });
    } finally {
      warn.mockRestore();
      await running.close();
    }
  });

  it('a rollback under a running Tessera: it keeps running, says so loudly, and the anchor stays as evidence', async () => {
    const svc = live();
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const other = new Database(dbPath(data));
      other.transaction(() => {
        other.prepare('DELETE FROM audit_log WHERE seq > 2000').run();
        other
          .prepare(
            'UPDATE audit_head SET (seq, hash, signature, key_version) = (SELECT seq, hash, signature, key_version FROM audit_checkpoints WHERE seq = 2000)',
          )
          .run();
      })();
      other.close();
      // New entries push the head past the anchor's seq, with a different history.
      for (let i = 0; i < 6; i++)
        svc.store.tx(() => {
          for (let j = 0; j < 100; j++) svc.audit.append({ actor, action: 'verify', outcome: 'success' });
        });
      svc.audit.flushAnchor();
      expect(svc.store.audit.head()!.seq).toBe(2600);
      expect(svc.audit.anchorStatus()).toMatchObject({ state: 'diverged', anchoredSeq: 2500 });
      expect(JSON.parse(fs.readFileSync(path.join(data, AUDIT_ANCHOR_FILE), 'utf8')).seq).toBe(2500);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/AUDIT ANCHOR NOT UPDATED: entry #2500 is not the one the anchor records/));
      expect(await svc.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2500, problem: 'anchor_mismatch' });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('finding 3: the public key stored beside the log is not trusted', () => {
  it('a swapped public key with the chain renumbered, rechained and re-signed by the attacker → public_key_mismatch', async () => {
    addEntries(50);
    const forger = generateSigningKeyPair();
    attack((db) => {
      db.prepare('UPDATE signing_keys SET public_der = ? WHERE version = 1').run(forger.publicKeyDer);
      db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
      db.prepare('UPDATE audit_log SET seq = -seq WHERE seq > 5').run();
      db.prepare('UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0').run();
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
      let prev = GENESIS_HASH;
      for (const r of rows) {
        const hash = computeEntryHash(prev, rowToContent(r));
        db.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?').run(hash, r.seq);
        prev = hash;
      }
      const last = rows.at(-1)!.seq;
      db.prepare('UPDATE audit_head SET seq = ?, hash = ?, signature = ?').run(last, prev, signHead(forger.privateKeyDer, last, prev));
    });
    fs.rmSync(path.join(data, AUDIT_ANCHOR_FILE)); // even without the anchor
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 0, problem: 'public_key_mismatch' });
    // The keyring trusts the key derived from the sealed private key, never the stored one.
    expect(live().keyring.swappedPublicKeys).toEqual([1]);
    expect(live().keyring.signingKey().publicKeyDer.equals(forger.publicKeyDer)).toBe(false);
  });

  it('restore refuses such a backup: its chain is checked with the key its own sealed private key gives', async () => {
    addEntries(20);
    const file = path.join(dir, 'b.db');
    await backupDatabase(live(), file, actor);
    const forger = generateSigningKeyPair();
    const b = new Database(file);
    const rows = b.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
    let prev = GENESIS_HASH;
    b.transaction(() => {
      b.prepare('UPDATE signing_keys SET public_der = ?').run(forger.publicKeyDer);
      b.prepare("UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 3").run();
      for (const r of b.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]) {
        const hash = computeEntryHash(prev, rowToContent(r));
        b.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?').run(hash, r.seq);
        prev = hash;
      }
      b.prepare('UPDATE audit_head SET hash = ?, signature = ?').run(prev, signHead(forger.privateKeyDer, rows.at(-1)!.seq, prev));
    })();
    b.close();
    const key = loadMasterKey(data, { createIfNew: false, env: {} }).key;
    await expect(checkBackup(file, key)).rejects.toThrow(/does not verify \(entry #0: public_key_mismatch\)/);
    close();
    await expect(restoreDatabase({ dbFile: dbPath(data), backupFile: file, masterKey: key, actor })).rejects.toThrow(/public_key_mismatch/);
  });
});

describe('finding 4: columns searches use are checked against the entries', () => {
  beforeEach(() => addEntries(30));

  it("an edited target_user_key (hides entries from a user's trail) → derived_mismatch", async () => {
    const before = live().audit.count({ user: 'user3' });
    expect(before).toBeGreaterThan(0);
    attack((db) => db.prepare("UPDATE audit_log SET target_user_key = 'nobody' WHERE seq = 4").run());
    expect(live().audit.count({ user: 'user3' })).toBe(before - 1); // the attack works on the trail…
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'derived_mismatch' }); // …and is caught
  });

  it('an edited at_ms (hides an entry from a time filter) → derived_mismatch', async () => {
    attack((db) => db.prepare('UPDATE audit_log SET at_ms = at_ms - 86400000 WHERE seq = 7').run());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 7, problem: 'derived_mismatch' });
  });

  it('an edited audit_daily counter (the dashboard) → dashboard_mismatch', async () => {
    attack((db) => db.prepare("UPDATE audit_daily SET n = n - 1 WHERE action = 'verify' AND outcome = 'failure'").run());
    const r = await verify();
    expect(r).toMatchObject({ ok: false, problem: 'dashboard_mismatch' });
    expect(!r.ok && r.message).toMatch(/verify failure: counted \d+, the log has \d+/);
  });

  it('a deleted audit_daily row → dashboard_mismatch', async () => {
    attack((db) => db.prepare("DELETE FROM audit_daily WHERE action = 'user.create'").run());
    expect(await verify()).toMatchObject({ ok: false, problem: 'dashboard_mismatch' });
  });
});

describe('restore: the one deliberate step back', () => {
  it('restoring an older backup moves the anchor to the restore entry, which records the old anchor; verify then passes', async () => {
    addEntries(10);
    const file = path.join(dir, 'old.db');
    const backup = await backupDatabase(live(), file, actor);
    addEntries(40);
    const anchoredBefore = live().audit.anchorStatus().anchoredSeq!;
    expect(anchoredBefore).toBe(51);
    close();
    const key = loadMasterKey(data, { createIfNew: false, env: {} }).key;
    const r = await restoreDatabase({ dbFile: dbPath(data), backupFile: file, masterKey: key, actor });
    expect(r).toMatchObject({ entries: backup.throughSeq, previousAnchorSeq: 51, restoreSeq: backup.throughSeq + 1 });
    expect(await verify()).toMatchObject({ ok: true, entries: backup.throughSeq + 1 });
    expect(live().audit.anchorStatus()).toMatchObject({ state: 'ok', anchoredSeq: r.restoreSeq });
    const entry = live().store.audit.bySeq(r.restoreSeq)!;
    expect(entry.action).toBe('system.restore');
    expect(JSON.parse(entry.details!).previousAnchor).toMatchObject({ seq: 51 });
  });
});

describe('old databases (v1 signatures, keys from migration 0005)', () => {
  it('are re-signed once (v2) when opened, keep verifying, and non-ASCII user keys are re-derived', async () => {
    addEntries(CHECKPOINT_EVERY + 3);
    const svc = live();
    svc.store.tx(() => svc.audit.append({ actor, action: 'user.create', user: 'ÅSA', outcome: 'success' }));
    const priv = createPrivateKey({ key: svc.keyring.signingKey().privateKeyDer, format: 'der', type: 'pkcs8' });
    const v1 = (seq: number, hash: string) => sign(null, Buffer.from(`tessera-audit-checkpoint:v1:${seq}:${hash}`), priv).toString('base64url');
    attack((db) => {
      const head = db.prepare('SELECT seq, hash FROM audit_head').get() as { seq: number; hash: string };
      db.prepare('UPDATE audit_head SET signature = ?').run(v1(head.seq, head.hash));
      for (const cp of db.prepare('SELECT seq, hash FROM audit_checkpoints').all() as { seq: number; hash: string }[]) {
        db.prepare('UPDATE audit_checkpoints SET signature = ? WHERE seq = ?').run(v1(cp.seq, cp.hash), cp.seq);
      }
      db.prepare('UPDATE audit_log SET target_user_key = lower(trim(target_user)) WHERE target_user IS NOT NULL').run();
    });
    expect(await verify()).toMatchObject({ ok: true, entries: CHECKPOINT_EVERY + 4, checkpoints: 1 });
    const cp = live().store.audit.checkpoints()[0]!;
    expect(cp.signature).toBe(signCheckpoint(live().keyring.signingKey().privateKeyDer, cp.seq, cp.hash));
    expect(live().audit.count({ user: 'åsa' })).toBe(1);
  });
});

describe('the check runs in a worker thread', () => {
  it('reports progress page by page and can be cancelled', async () => {
    addEntries(5000);
    const progress: number[] = [];
    const r = await live().audit.verify({ onProgress: (p) => progress.push(p.done) });
    expect(r).toMatchObject({ ok: true, entries: 5000 });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const controller = new AbortController();
    const running = live().audit.verify({ signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) });
    await expect(running).rejects.toThrow('stop');
  });
});
