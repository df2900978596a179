import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditBundle } from '../../core/audit/bundleVerify';
import { sessionCookieInStore, startTestServer, type TestServer } from '../../testing/harness';
import { parseCsv } from '../../testing/csv';
import type { OperatorRole } from '../../../shared/schemas/operators';

let t: TestServer;
const cookies = new Map<OperatorRole, string>();

const signedIn = (role: OperatorRole): string => sessionCookieInStore(t.services, `export-${role}`, role, t.clock.now());

const asRole = (role: OperatorRole, csrf = true) => ({ cookie: cookies.get(role)!, ...(csrf ? { 'x-tessera-csrf': '1' } : {}) });

beforeAll(async () => {
  t = await startTestServer();
  for (const name of ['alice', 'bob', '=HYPERLINK("http://evil.example","x")', '+cmd', '@sum', '-2+3']) await t.createUser(name);
  for (let i = 0; i < 30; i++) {
    await t.call('POST', '/api/v1/verify', { key: t.keys.verify, body: { user: i % 2 ? 'alice' : 'bob', code: '000000' } });
    t.clock.advance(61_000);
  }
  for (const role of ['admin', 'helpdesk', 'auditor'] as const) cookies.set(role, signedIn(role));
});

afterAll(async () => {
  await t?.close();
});

describe('GET /console/audit/export', () => {
  it('refuses a signed-out caller (401), a request without the CSRF header (403) and a helpdesk operator (403)', async () => {
    const before = t.auditCount();
    expect((await t.call('GET', '/console/audit/export?format=csv', { headers: { 'x-tessera-csrf': '1' } })).status).toBe(401);
    expect((await t.call('GET', '/console/audit/export?format=csv', { headers: asRole('auditor', false) })).status).toBe(403);
    expect((await t.call('GET', '/console/audit/export?format=csv', { headers: { ...asRole('auditor'), 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    const helpdesk = await t.call('GET', '/console/audit/export?format=csv', { headers: asRole('helpdesk') });
    expect(helpdesk.status).toBe(403);
    expect(helpdesk.json.error.code).toBe('forbidden');
    expect(t.auditCount()).toBe(before);
  });

  it('refuses a bad format or filter with 400 and exports nothing', async () => {
    const before = t.auditCount();
    expect((await t.call('GET', '/console/audit/export?format=xlsx', { headers: asRole('auditor') })).status).toBe(400);
    expect((await t.call('GET', '/console/audit/export?format=csv&from=yesterday', { headers: asRole('auditor') })).status).toBe(400);
    expect((await t.call('GET', '/console/audit/export?format=csv&color=red', { headers: asRole('auditor') })).status).toBe(400);
    expect(t.auditCount()).toBe(before);
  });

  it('streams exactly the filtered entries as CSV, announces the count first and audits the export', async () => {
    const expected = t.services.audit.query({ action: 'verify', user: 'alice', order: 'asc', limit: 500 }).items;
    expect(expected.length).toBe(15);
    const res = await t.call('GET', '/console/audit/export?format=csv&action=verify&user=alice', { headers: asRole('auditor') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tessera-audit-filtered-[\dT-]+Z\.csv"$/);
    expect(res.headers.get('x-tessera-total')).toBe('15');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['seq', 'at', 'actor_kind', 'actor_id', 'actor', 'action', 'user', 'outcome', 'reason', 'ip', 'details', 'hash']);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(expected.map((e) => e.seq));
    expect(rows.slice(1).every((r) => r[5] === 'verify' && r[6] === 'alice' && r[7] === 'failure')).toBe(true);

    const last = t.services.audit.query({ action: 'audit.export', order: 'desc', limit: 1 }).items[0]!;
    expect(last.actor.name).toBe('export-auditor');
    expect(last.details).toMatchObject({ format: 'csv', entries: 15, filtered: true, filter: { action: 'verify', user: 'alice' } });
  });

  it('neutralises spreadsheet formulas in CSV cells', async () => {
    const res = await t.call('GET', '/console/audit/export?format=csv&action=user.create', { headers: asRole('admin') });
    const users = parseCsv(res.text)
      .slice(1)
      .map((r) => r[6]);
    expect(users).toEqual(['alice', 'bob', `'=HYPERLINK("http://evil.example","x")`, "'+cmd", "'@sum", "'-2+3"]);
  });

  it('a time range exports the same entries the list shows for it', async () => {
    const all = t.services.audit.query({ action: 'verify', order: 'asc', limit: 500 }).items;
    const from = all[10]!.at;
    const to = all[20]!.at;
    const res = await t.call('GET', `/console/audit/export?format=csv&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&action=verify`, {
      headers: asRole('auditor'),
    });
    const seqs = parseCsv(res.text)
      .slice(1)
      .map((r) => Number(r[0]));
    expect(seqs).toEqual(all.slice(10, 20).map((e) => e.seq));
    expect(res.headers.get('x-tessera-total')).toBe('10');
  });

  it('an unfiltered JSON lines export is a bundle that verifies offline', async () => {
    const res = await t.call('GET', '/console/audit/export?format=jsonl', { headers: asRole('auditor') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = res.text.trimEnd().split('\n');
    const total = Number(res.headers.get('x-tessera-total'));
    expect(lines.length).toBe(total + 2); // header, entries, checkpoint
    const verified = await verifyAuditBundle(lines);
    expect(verified).toMatchObject({ ok: true, entries: total });
  });
});
