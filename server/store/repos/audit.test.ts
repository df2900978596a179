import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, type AuditFilter, type AuditRow } from '../index';
import { auditIndexFor } from './audit';
import { rawSqlite } from '../testing';

/*
 * The console filters and pages a log of a million entries; every filter
 * kind must be an index search, never a full scan of audit_log. Seeded with
 * 200k entries straight into the table (no hashing: the plan is what is
 * under test, not the chain), then ANALYZE-free, as a fresh install is.
 */

const N = 200_000;
const START = Date.UTC(2026, 0, 1);
const STEP = 1000; // one entry a second
const ACTIONS = ['verify', 'verify', 'verify', 'verify', 'verify', 'verify', 'user.create', 'user.reset', 'factor.confirm', 'settings.update'];
const ACTORS = ['app-portal', 'app-vpn', 'alice.admin', 'bob.helpdesk', 'tessera'];

let dir: string;
let store: Store;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-audit-plan-'));
  store = Store.open(path.join(dir, 'tessera.db'));
  store.tx(() => {
    for (let seq = 1; seq <= N; seq++) {
      const at = START + seq * STEP;
      const row: AuditRow = {
        seq,
        at: new Date(at).toISOString(),
        at_ms: at,
        actor_kind: seq % 5 < 2 ? 'apikey' : 'operator',
        actor_id: null,
        actor_name: ACTORS[seq % 5]!,
        action: ACTIONS[seq % 10]!,
        target_user: `user${seq % 5000}`,
        target_user_key: `user${seq % 5000}`,
        outcome: seq % 97 === 0 ? 'failure' : seq % 389 === 0 ? 'denied' : 'success',
        reason: null,
        ip: '127.0.0.1',
        details: null,
        hash: 'x'.repeat(64),
      };
      store.audit.insert(row);
    }
  });
}, 120_000);

afterAll(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function plan(sql: string, params: Record<string, unknown>): string {
  const rows = rawSqlite(store).prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
}

const mid = START + (N / 2) * STEP;
/** Each filter kind, and the index it must search (null: the seq range on the primary key). */
const FILTERS: Record<string, [AuditFilter, string | null]> = {
  user: [{ user: 'user42' }, 'audit_by_user'],
  action: [{ action: 'user.reset' }, 'audit_by_action'],
  actor: [{ actor: 'bob.helpdesk' }, 'audit_by_actor'],
  outcome: [{ outcome: 'failure' }, 'audit_by_outcome'],
  from: [{ fromMs: mid }, null],
  to: [{ toMs: mid }, null],
  'from+to': [{ fromMs: mid, toMs: mid + 3_600_000 }, null],
  'action+outcome': [{ action: 'verify', outcome: 'failure' }, 'audit_by_action_outcome'],
  'actor+outcome': [{ actor: 'app-vpn', outcome: 'denied' }, 'audit_by_actor_outcome'],
  // Left to itself, the planner walks every verify entry here to find one user's.
  'user+action': [{ user: 'user42', action: 'verify' }, 'audit_by_user'],
  'user+outcome': [{ user: 'user42', outcome: 'success' }, 'audit_by_user'],
  'actor+action': [{ actor: 'bob.helpdesk', action: 'verify' }, 'audit_by_actor'],
  'user+from+to': [{ user: 'user42', fromMs: mid, toMs: mid + 86_400_000 }, 'audit_by_user'],
  'action+outcome+from': [{ action: 'verify', outcome: 'failure', fromMs: mid }, 'audit_by_action_outcome'],
  everything: [{ user: 'user42', action: 'verify', actor: 'app-vpn', outcome: 'failure', fromMs: START, toMs: mid }, 'audit_by_user'],
};

/** "SCAN audit_log" alone is a full table scan; "SCAN audit_log USING INDEX" walks an index. */
function fullScan(p: string): boolean {
  return /SCAN audit_log(?! USING)/.test(p);
}

describe('audit page and count queries use an index for every filter', () => {
  for (const [name, [filter, index]] of Object.entries(FILTERS)) {
    const searched =
      index === null ? /SEARCH audit_log USING INTEGER PRIMARY KEY \(rowid[<>]/ : new RegExp(`SEARCH audit_log USING (COVERING )?INDEX ${index} \\(`);
    it(`chooses ${index ?? 'the seq range'} for ${name}`, () => {
      expect(auditIndexFor(filter)).toBe(index);
    });
    for (const order of ['desc', 'asc'] as const) {
      it(`page: ${name}, ${order}`, () => {
        const { sql, params, empty } = store.audit.pageSql(filter, { limit: 51, afterSeq: order === 'desc' ? N - 10 : 10, order });
        expect(empty).toBe(false);
        const p = plan(sql, params);
        expect(p, p).toMatch(searched);
        expect(fullScan(p), p).toBe(false);
        expect(p, `sorts instead of reading in seq order: ${p}`).not.toMatch(/TEMP B-TREE/);
      });
    }
    it(`count: ${name}`, () => {
      const { sql, params } = store.audit.countSql(filter, N);
      const p = plan(sql, params);
      expect(p, p).toMatch(searched);
      expect(fullScan(p), p).toBe(false);
    });
  }

  it('finds where a time range starts with one index seek', () => {
    const p = plan('SELECT seq FROM audit_log WHERE at_ms >= @t ORDER BY at_ms, seq LIMIT 1', { t: mid });
    expect(p).toMatch(/SEARCH audit_log USING COVERING INDEX audit_by_time/);
  });
});

describe('audit filters return exactly the matching entries', () => {
  it('a time range is the same as filtering by at_ms', () => {
    const from = mid + 500; // between two entries
    const to = mid + 60_500;
    const rows = store.audit.page({ fromMs: from, toMs: to }, { limit: 500, afterSeq: null, order: 'asc' });
    expect(rows.length).toBe(60);
    expect(rows.every((r) => r.at_ms >= from && r.at_ms < to)).toBe(true);
    expect(rows[0]!.seq).toBe(N / 2 + 1);
    expect(store.audit.count({ fromMs: from, toMs: to })).toBe(60);
  });

  it('a range after the last entry or an inverted range is empty', () => {
    expect(store.audit.page({ fromMs: START + (N + 10) * STEP }, { limit: 10, afterSeq: null, order: 'desc' })).toEqual([]);
    expect(store.audit.page({ fromMs: mid, toMs: mid - 5000 }, { limit: 10, afterSeq: null, order: 'desc' })).toEqual([]);
    expect(store.audit.count({ fromMs: mid, toMs: mid - 5000 })).toBe(0);
  });

  it('combined filters page newest first through every match', () => {
    const filter: AuditFilter = { action: 'verify', outcome: 'failure', fromMs: mid };
    const expected = rawSqlite(store)
      .prepare('SELECT seq FROM audit_log WHERE action = ? AND outcome = ? AND at_ms >= ? ORDER BY seq DESC')
      .all('verify', 'failure', mid)
      .map((r) => (r as { seq: number }).seq);
    const seen: number[] = [];
    let after: number | null = null;
    for (;;) {
      const rows = store.audit.page(filter, { limit: 100, afterSeq: after, order: 'desc' });
      seen.push(...rows.map((r) => r.seq));
      if (rows.length < 100) break;
      after = rows[rows.length - 1]!.seq;
    }
    expect(seen).toEqual(expected);
    expect(store.audit.count(filter)).toBe(expected.length);
  });
});
