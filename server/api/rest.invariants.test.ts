import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEntryHash, GENESIS_HASH } from '../core/audit/chain';
import { base32Decode } from '../core/otp/secret';
import { createApiKey } from '../services/apiKeys';
import { rowToContent } from '../services/auditLog';
import { expirePendingFactors } from '../services/factors';
import { SYSTEM_ACTOR } from '../services/index';
import { updateSettings } from '../services/settings';
import type { AuditRow } from '../store/index';
import { hotpCode, startTestServer, totpCode, wrongCode, type CallOptions, type Factor, type TestServer } from '../testing/harness';
import { rawConnection, rawSqlite } from '../store/testing';
import { storedBytes } from '../testing/storedBytes';
import { testBackend } from '../testing/testDatabase';

/**
 * The invariants of docs/ARCHITECTURE.md checked from outside:
 * 2 — no plaintext seed, recovery code or API key in the database files;
 * 1 — every state change and every verify attempt writes exactly one audit
 *     entry, rejected calls none;
 * 5 — the hash chain catches edited, deleted and reordered entries, middle or tail.
 */

const V1 = '/api/v1';

describe('invariant 2: no secret in tessera.db or tessera.db-wal', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('seeds (Base32, lowercase, raw, hex, base64), recovery codes and API keys never reach the files', async () => {
    const secrets: string[] = [];
    const codes: string[] = [];
    const otpCodes: string[] = [];
    for (const [i, type] of (['totp', 'hotp', 'totp', 'hotp'] as const).entries()) {
      const u = `vault-${i}`;
      await srv.createUser(u);
      const f = await srv.activeFactor(u, type, i >= 2 ? { algorithm: 'SHA512', digits: 8 } : {});
      secrets.push(f.secret);
      const c = type === 'totp' ? totpCode(f, srv.clock.now()) : hotpCode(f, 1);
      expect((await srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user: u, code: c } })).json.ok).toBe(true);
      otpCodes.push(c);
      // A pending one too.
      const p = await srv.call('POST', `${V1}/users/${u}/factors`, { key: srv.keys.provision, body: { type } });
      secrets.push(p.json.secret);
      const rc = await srv.call('POST', `${V1}/users/${u}/recovery-codes`, { key: srv.keys.provision });
      codes.push(...(rc.json.codes as string[]));
    }
    // Use one recovery code, so a used row exists too.
    expect((await srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user: 'vault-0', code: codes[0] } })).json.ok).toBe(true);
    const apiKeys = [srv.keys.all, srv.keys.verify, srv.keys.provision, srv.keys.audit];
    apiKeys.push(createApiKey(srv.services, { name: 'extra', scopes: ['verify'] }, SYSTEM_ACTOR).key);
    expect(secrets).toHaveLength(8);
    expect(codes).toHaveLength(40);

    const needles: [string, Buffer][] = [];
    for (const s of secrets) {
      const raw = Buffer.from(base32Decode(s));
      needles.push([`seed ${s}`, Buffer.from(s)]);
      needles.push([`seed lowercase ${s}`, Buffer.from(s.toLowerCase())]);
      needles.push([`seed raw bytes ${s}`, raw]);
      needles.push([`seed hex ${s}`, Buffer.from(raw.toString('hex'))]);
      needles.push([`seed base64 ${s}`, Buffer.from(raw.toString('base64').replace(/=+$/, ''))]);
    }
    for (const c of codes) {
      const compact = c.replace(/-/g, '');
      needles.push([`recovery code ${c}`, Buffer.from(c)]);
      needles.push([`recovery code without dashes ${c}`, Buffer.from(compact)]);
      needles.push([`recovery code lowercase ${c}`, Buffer.from(compact.toLowerCase())]);
      needles.push([`recovery secret part ${c}`, Buffer.from(compact.slice(4))]);
    }
    for (const k of apiKeys) {
      needles.push([`API key ${k}`, Buffer.from(k)]);
      needles.push([`API key body ${k}`, Buffer.from(k.slice(4, 36))]);
    }

    /** Where the secrets could sit: the SQLite files' bytes, or on PostgreSQL every value of every column of every table. */
    const stored = (): (readonly [string, Buffer])[] => {
      if (testBackend() === 'postgres') return storedBytes(srv.services.store);
      const files = ['tessera.db', 'tessera.db-wal', 'tessera.db-shm'].map((f) => path.join(srv.dataDir, f)).filter((f) => fs.existsSync(f));
      return files.map((f) => [path.basename(f), fs.readFileSync(f)] as const);
    };
    const check = (label: string) => {
      const bytes = stored();
      expect(
        bytes.reduce((n, [, b]) => n + b.length, 0),
        label,
      ).toBeGreaterThan(4096);
      for (const [name, b] of bytes) {
        for (const [what, needle] of needles) {
          expect(b.includes(needle), `${label}: ${what} found in ${name}`).toBe(false);
        }
      }
      // Positive control: what is meant to be stored in the clear is found, so the search itself works.
      const all = Buffer.concat(bytes.map(([, b]) => b));
      expect(all.includes(Buffer.from('vault-3')), `${label}: username`).toBe(true);
      expect(all.includes(Buffer.from(srv.keys.audit.slice(0, 12))), `${label}: API key display prefix`).toBe(true);
      return bytes.map(([n]) => n);
    };
    if (testBackend() === 'postgres') {
      check('every stored value');
    } else {
      // Fresh writes sit in the WAL…
      expect(check('before checkpoint')).toContain('tessera.db-wal');
      // …and after a checkpoint, in the main file.
      rawSqlite(srv.services.store).pragma('wal_checkpoint(TRUNCATE)');
      check('after checkpoint');
    }

    // The audit log's text never carries a code either.
    const rows = rawConnection(srv.services.store).prepare('SELECT reason, details, actor_name, target_user FROM audit_log').all() as Record<
      string,
      string | null
    >[];
    const text = JSON.stringify(rows);
    for (const c of [...otpCodes, ...codes, ...codes.map((c) => c.replace(/-/g, ''))]) expect(text.includes(c), `code ${c} in the audit log`).toBe(false);
  });
});

describe('invariant 1: one audit entry per state change and per verify attempt, none for a rejected call', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  const lastEntry = () => rawConnection(srv.services.store).prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1').get() as AuditRow;

  /** Runs a call and checks it added exactly one entry of the given action/outcome/reason. */
  async function one(method: string, p: string, opts: CallOptions, status: number, entry: { action: string; outcome: string; reason?: string | null }) {
    const before = srv.auditCount();
    const r = await srv.call(method, `${V1}${p}`, opts);
    expect(r.status, r.text).toBe(status);
    expect(srv.auditCount() - before, `${method} ${p}`).toBe(1);
    const e = lastEntry();
    expect(e).toMatchObject({ action: entry.action, outcome: entry.outcome });
    if (entry.reason !== undefined) expect(e.reason).toBe(entry.reason);
    return r;
  }

  /** Runs a call that must be refused, and checks it added no entry and changed nothing. */
  async function none(method: string, p: string, opts: CallOptions, status: number) {
    const before = srv.auditCount();
    const snap = srv.snapshot();
    const r = await srv.call(method, p.startsWith('/api') || p === '/healthz' ? p : `${V1}${p}`, opts);
    expect(r.status, r.text).toBe(status);
    expect(srv.auditCount() - before, `${method} ${p}`).toBe(0);
    expect(srv.snapshot()).toBe(snap);
    return r;
  }

  /** A read: no audit entry. */
  async function read(p: string, key: string) {
    const before = srv.auditCount();
    const r = await srv.call('GET', `${V1}${p}`, { key });
    expect(r.status, r.text).toBe(200);
    expect(srv.auditCount() - before, `GET ${p}`).toBe(0);
  }

  it('every state-changing call and every verify outcome: exactly +1', async () => {
    const P = { key: srv.keys.provision };
    const verify = (user: string, code: string) => ({ key: srv.keys.verify, body: { user, code } });

    await one('POST', '/users', { ...P, body: { username: 'ledger' } }, 201, { action: 'user.create', outcome: 'success' });
    await one('POST', '/verify', verify('ledger', '123456'), 200, { action: 'verify', outcome: 'failure', reason: 'no_factor' });

    const e = await one('POST', '/users/ledger/factors', { ...P, body: { type: 'totp' } }, 201, { action: 'factor.enroll', outcome: 'success' });
    const f: Factor = { id: e.json.id, type: 'totp', secret: e.json.secret, algorithm: 'SHA1', digits: 6, period: 30 };
    const near = () => [-2, -1, 0, 1, 2].map((o) => totpCode(f, srv.clock.now(), o));
    const bad = () => wrongCode(near()[2]!, near());
    await one('POST', `/users/ledger/factors/${f.id}/confirm`, { ...P, body: { code: bad() } }, 400, {
      action: 'factor.confirm',
      outcome: 'failure',
      reason: 'invalid_code',
    });
    await one('POST', `/users/ledger/factors/${f.id}/confirm`, { ...P, body: { code: totpCode(f, srv.clock.now()) } }, 200, {
      action: 'factor.confirm',
      outcome: 'success',
    });
    srv.clock.advance(30_000);

    const good = totpCode(f, srv.clock.now());
    await one('POST', '/verify', verify('ledger', good), 200, { action: 'verify', outcome: 'success' });
    await one('POST', '/verify', verify('ledger', good), 200, { action: 'verify', outcome: 'failure', reason: 'code_already_used' }); // replay
    await one('POST', '/verify', verify('ledger', 'not a code'), 200, { action: 'verify', outcome: 'failure' }); // malformed
    await one('POST', '/verify', verify('ledger', bad()), 200, { action: 'verify', outcome: 'failure' });
    await one('POST', '/verify', verify('ledger', bad()), 200, { action: 'verify', outcome: 'failure' }); // 4th failure
    await one('POST', '/verify', verify('ledger', bad()), 429, { action: 'verify', outcome: 'denied', reason: 'throttled' });
    for (let i = 5; i <= 10; i++) {
      srv.clock.advance(2 ** (i - 4) * 1000);
      await one('POST', '/verify', verify('ledger', bad()), 200, { action: 'verify', outcome: 'failure' });
    }
    await one('POST', '/verify', verify('ledger', totpCode(f, srv.clock.now())), 423, { action: 'verify', outcome: 'denied', reason: 'locked' });
    await one('POST', '/users/ledger/unlock', { ...P, body: { reason: 'checked id' } }, 200, {
      action: 'user.unlock',
      outcome: 'success',
      reason: 'checked id',
    });

    const rc = await one('POST', '/users/ledger/recovery-codes', P, 201, { action: 'recovery.issue', outcome: 'success' });
    await one('POST', '/verify', verify('ledger', rc.json.codes[0]), 200, { action: 'verify', outcome: 'success' });
    await one('POST', '/verify', verify('ledger', rc.json.codes[0]), 200, { action: 'verify', outcome: 'failure' });
    await one('POST', '/users/ledger/recovery-codes', P, 201, { action: 'recovery.issue', outcome: 'success' });

    const h = await one('POST', '/users/ledger/factors', { ...P, body: { type: 'hotp' } }, 201, { action: 'factor.enroll', outcome: 'success' });
    await one(
      'POST',
      `/users/ledger/factors/${h.json.id}/confirm`,
      { ...P, body: { code: hotpCode({ secret: h.json.secret, algorithm: 'SHA1', digits: 6 }, 0) } },
      200,
      { action: 'factor.confirm', outcome: 'success' },
    );
    await one('DELETE', `/users/ledger/factors/${h.json.id}`, { ...P, body: { reason: 'spare' } }, 204, {
      action: 'factor.delete',
      outcome: 'success',
      reason: 'spare',
    });
    await one('POST', '/users/ledger/reset', { ...P, body: { reason: 'lost phone' } }, 200, { action: 'user.reset', outcome: 'success', reason: 'lost phone' });
    await one('DELETE', '/users/ledger', { ...P, body: { reason: 'left' } }, 204, { action: 'user.delete', outcome: 'success', reason: 'left' });
  });

  it('service-level changes: an API key, a settings change, each expired enrollment: one entry each', async () => {
    let before = srv.auditCount();
    createApiKey(srv.services, { name: 'audited', scopes: ['audit'] }, SYSTEM_ACTOR);
    expect(srv.auditCount() - before).toBe(1);

    before = srv.auditCount();
    updateSettings(srv.services, { methods: { hotp: false } }, SYSTEM_ACTOR);
    expect(srv.auditCount() - before).toBe(1);
    before = srv.auditCount();
    updateSettings(srv.services, { methods: { hotp: false } }, SYSTEM_ACTOR); // no change: no entry
    expect(srv.auditCount() - before).toBe(0);
    updateSettings(srv.services, { methods: { hotp: true } }, SYSTEM_ACTOR);
    // A refused settings change (out of range) changes nothing and writes no entry.
    before = srv.auditCount();
    expect(() => updateSettings(srv.services, { deliveredCodeMinutes: 0 }, SYSTEM_ACTOR)).toThrow();
    expect(srv.auditCount() - before).toBe(0);
    expect(srv.services.settings.get().deliveredCodeMinutes).toBe(5);

    await srv.createUser('expiring');
    for (let i = 0; i < 2; i++) await srv.call('POST', `${V1}/users/expiring/factors`, { key: srv.keys.provision, body: { type: 'totp' } });
    srv.clock.advance(73 * 3_600_000);
    before = srv.auditCount();
    expect(expirePendingFactors(srv.services, SYSTEM_ACTOR)).toBe(2);
    expect(srv.auditCount() - before).toBe(2);
    before = srv.auditCount();
    expect(expirePendingFactors(srv.services, SYSTEM_ACTOR)).toBe(0);
    expect(srv.auditCount() - before).toBe(0);
  });

  it('reads add nothing', async () => {
    await srv.createUser('reader');
    await read('/users', srv.keys.provision);
    await read('/users/reader', srv.keys.audit);
    await read('/audit', srv.keys.audit);
    await read('/audit/verify', srv.keys.audit);
    await read('/openapi.json', srv.keys.verify);
  });

  it('rejected calls add nothing and change nothing', async () => {
    await srv.createUser('rejected');
    const f = await srv.activeFactor('rejected', 'totp');
    await none('POST', '/verify', { body: { user: 'rejected', code: '123456' } }, 401);
    await none('POST', '/verify', { key: srv.keys.provision, body: { user: 'rejected', code: '123456' } }, 403);
    await none('POST', '/verify', { key: srv.keys.verify, body: { user: 'rejected' } }, 400);
    await none('POST', '/verify', { key: srv.keys.verify, body: { user: 'nobody', code: '123456' } }, 404);
    await none(
      'POST',
      '/verify',
      { key: srv.keys.verify, rawBody: 'user=rejected&code=123456', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
    );
    await none('POST', '/verify', { key: srv.keys.verify, body: { user: 'rejected', code: '1'.repeat(70_000) } }, 413);
    await none(
      'POST',
      '/verify',
      { key: srv.keys.verify, body: { user: 'rejected', code: totpCode(f, srv.clock.now()) }, headers: { host: 'evil.example' } },
      421,
    );
    await none('POST', '/users', { key: srv.keys.audit, body: { username: 'x' } }, 403);
    await none('POST', '/users', { key: srv.keys.provision, body: { username: 'rejected' } }, 409);
    await none('POST', '/users/rejected/factors', { key: srv.keys.provision, body: { type: 'push' } }, 400);
    await none('DELETE', '/users/rejected', { key: srv.keys.provision, body: {} }, 400);
    await none('POST', '/users/rejected/unlock', { key: srv.keys.verify, body: { reason: 'x' } }, 403);
    await none('POST', `/users/rejected/factors/${f.id}/confirm`, { key: srv.keys.provision, body: { code: '123456' } }, 409);
    // The code was not spent by any of the refused calls above.
    expect((await srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user: 'rejected', code: totpCode(f, srv.clock.now()) } })).json.ok).toBe(
      true,
    );
  });
});

describe('invariant 5: GET /audit/verify finds tampering', () => {
  let srv: TestServer;
  let saved: AuditRow[];
  const db = () => rawConnection(srv.services.store);
  /** The attacker's edits as one transaction (the store's own: its commit hook re-signs the head only after an append, never here). */
  const inTx = (fn: () => void) => srv.services.store.db.tx(fn);
  const verify = async () => {
    const r = await srv.call('GET', `${V1}/audit/verify`, { key: srv.keys.audit });
    expect(r.status).toBe(200);
    return r.json;
  };
  const maxSeq = () => (db().prepare('SELECT max(seq) AS m FROM audit_log').get() as { m: number }).m;

  beforeAll(async () => {
    srv = await startTestServer();
    for (let i = 0; i < 6; i++) {
      await srv.createUser(`chain-${i}`);
      await srv.call('POST', `${V1}/verify`, { key: srv.keys.verify, body: { user: `chain-${i}`, code: '123456' } });
    }
    saved = db().prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
    expect(saved.length).toBeGreaterThanOrEqual(16);
  });
  afterAll(async () => {
    await srv?.close();
  });

  /** Puts the log back exactly as saved, and checks it verifies again. */
  async function restore() {
    const head = db().prepare('SELECT * FROM audit_head').get();
    inTx(() => {
      db().prepare('DELETE FROM audit_log').run();
      const ins = db().prepare(
        `INSERT INTO audit_log (seq, at, at_ms, actor_kind, actor_id, actor_name, action, target_user, target_user_key, outcome, reason, ip, details, hash)
         VALUES (@seq, @at, @at_ms, @actor_kind, @actor_id, @actor_name, @action, @target_user, @target_user_key, @outcome, @reason, @ip, @details, @hash)`,
      );
      for (const r of saved) ins.run(r);
    });
    expect(db().prepare('SELECT * FROM audit_head').get()).toEqual(head);
    expect(await verify()).toMatchObject({ ok: true, entries: saved.length });
  }

  it('an untouched log verifies', async () => {
    expect(await verify()).toEqual({ ok: true, entries: saved.length, head: saved.at(-1)!.hash, checkpoints: 0 });
  });

  it('an edited middle entry → firstBadSeq of that entry', async () => {
    const mid = Math.floor(saved.length / 2);
    db().prepare(`UPDATE audit_log SET reason = 'nothing to see' WHERE seq = ?`).run(mid);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: mid });
    await restore();
  });

  it('an edited tail entry → firstBadSeq of the tail', async () => {
    const last = maxSeq();
    db().prepare(`UPDATE audit_log SET outcome = 'success', reason = NULL WHERE seq = ?`).run(last);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: last });
    await restore();
  });

  it('a deleted middle entry → firstBadSeq of the missing entry', async () => {
    const mid = Math.floor(saved.length / 2);
    db().prepare('DELETE FROM audit_log WHERE seq = ?').run(mid);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: mid });
    await restore();
  });

  it('a deleted tail entry → firstBadSeq of the missing tail', async () => {
    const last = maxSeq();
    db().prepare('DELETE FROM audit_log WHERE seq = ?').run(last);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: last });
    await restore();
  });

  it('the last three entries deleted → firstBadSeq of the first missing one', async () => {
    const last = maxSeq();
    db()
      .prepare('DELETE FROM audit_log WHERE seq > ?')
      .run(last - 3);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: last - 2 });
    await restore();
  });

  it('two swapped entries → firstBadSeq of the earlier one', async () => {
    const a = 5;
    const b = 9;
    const ra = saved[a - 1]!;
    const rb = saved[b - 1]!;
    inTx(() => {
      db().prepare('UPDATE audit_log SET seq = -1 WHERE seq = ?').run(a);
      db().prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(a, b);
      db().prepare('UPDATE audit_log SET seq = ? WHERE seq = -1').run(b);
    });
    expect((db().prepare('SELECT hash FROM audit_log WHERE seq = ?').get(a) as { hash: string }).hash).toBe(rb.hash);
    expect((db().prepare('SELECT hash FROM audit_log WHERE seq = ?').get(b) as { hash: string }).hash).toBe(ra.hash);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: a });
    await restore();
  });

  it('two adjacent entries swapped with their content (seq kept) → firstBadSeq of the earlier one', async () => {
    const a = 3;
    const cols = ['at', 'at_ms', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target_user', 'outcome', 'reason', 'ip', 'details', 'hash'] as const;
    const set = cols.map((c) => `${c} = @${c}`).join(', ');
    inTx(() => {
      db()
        .prepare(`UPDATE audit_log SET ${set} WHERE seq = @seq`)
        .run({ ...saved[a]!, seq: a });
      db()
        .prepare(`UPDATE audit_log SET ${set} WHERE seq = @seq`)
        .run({ ...saved[a - 1]!, seq: a + 1 });
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: a });
    await restore();
  });

  it('an edit with every later hash recomputed is still caught by the signed head', async () => {
    const mid = Math.floor(saved.length / 2);
    inTx(() => {
      db().prepare(`UPDATE audit_log SET reason = 'rewritten' WHERE seq = ?`).run(mid);
      const rows = db().prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
      let prev = GENESIS_HASH;
      const upd = db().prepare('UPDATE audit_log SET hash = ? WHERE seq = ?');
      for (const r of rows) {
        const hash = computeEntryHash(prev, rowToContent(r));
        upd.run(hash, r.seq);
        prev = hash;
      }
    });
    expect((await verify()).ok).toBe(false);
    await restore();
  });

  it('a deleted tail with the head row moved back is caught by the head signature', async () => {
    const last = maxSeq();
    const prevRow = saved[last - 2]!;
    const head = db().prepare('SELECT * FROM audit_head').get() as { seq: number; hash: string; signature: string; key_version: number };
    inTx(() => {
      db().prepare('DELETE FROM audit_log WHERE seq = ?').run(last);
      db().prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(prevRow.seq, prevRow.hash);
    });
    expect(await verify()).toMatchObject({ ok: false });
    db().prepare('UPDATE audit_head SET seq = ?, hash = ?, signature = ? WHERE id = 1').run(head.seq, head.hash, head.signature);
    await restore();
  });
});
