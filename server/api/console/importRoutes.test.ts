import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness';
import { createOperator } from '../../services/operatorAdmin';
import { SYSTEM_ACTOR } from '../../services/index';
import { base32Decode } from '../../core/otp/secret';
import { generateTotp } from '../../core/otp/totp';
import type { OperatorRole } from '../../../shared/schemas/operators';
import type { ImportPreview } from '../../../shared/schemas/userImport';

let srv: TestServer;
const cookies = new Map<OperatorRole, string>();

/** An operator of `role`, signed in through the real services: returns the session cookie header. */
async function sessionOf(role: OperatorRole): Promise<string> {
  const username = `op-${role}`;
  await createOperator(srv.services, { username, role, password: 'a long enough password' }, SYSTEM_ACTOR);
  const step = await srv.services.operatorAuth.login({ username, password: 'a long enough password' }, { ip: null, userAgent: null });
  if (step.next !== 'enroll') throw new Error('expected enroll');
  const code = generateTotp({ secret: base32Decode(step.secret), algorithm: 'SHA1', digits: 6, period: 30 }, Math.floor(srv.clock.now() / 1000));
  const s = srv.services.operatorAuth.completeEnrollment({ ticket: step.ticket, code }, { ip: null, userAgent: null });
  return `tessera_session=${s.sessionId}`;
}

function csv(cookie: string | null, body: string, extra: Record<string, string> = {}) {
  return srv.call('POST', '/console/users/import/preview', {
    rawBody: body,
    headers: { 'content-type': 'text/csv', 'x-tessera-csrf': '1', ...(cookie ? { cookie } : {}), ...extra },
  });
}

async function waitForJob(cookie: string, id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await srv.call('GET', `/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, { headers: { cookie } });
    const status = r.json.result.data;
    if (status.state !== 'running') return status;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('job did not finish');
}

beforeAll(async () => {
  srv = await startTestServer();
  for (const role of ['admin', 'helpdesk', 'auditor'] as const) cookies.set(role, await sessionOf(role));
  await srv.createUser('existing');
});
afterAll(async () => {
  await srv.close();
});

describe('POST /console/users/import/preview', () => {
  const file = 'username,email,display_name,department\nalice,alice@example.com,Alice A,IT\nEXISTING,,,\nbob,not-an-email,Bob,\nalice,,Alice again,\n,,nobody,\ncarol,,,\n';

  it('says per row what would be created, skipped and rejected, and changes nothing', async () => {
    const before = srv.snapshot();
    const r = await csv(cookies.get('admin')!, file);
    expect(r.status, r.text).toBe(200);
    const p = r.json as ImportPreview;
    expect(p.total).toBe(6);
    expect(p.counts).toEqual({ create: 2, skip: 2, reject: 2 });
    expect(p.ignoredColumns).toEqual(['department']);
    expect(p.rows.map((x) => [x.row, x.outcome, x.username, x.reason])).toEqual([
      [2, 'create', 'alice', null],
      [3, 'skip', 'EXISTING', 'already exists'],
      [4, 'reject', 'bob', 'Email is not a valid address'],
      [5, 'skip', 'alice', 'duplicate in file'],
      [6, 'reject', null, 'Username must not be empty'],
      [7, 'create', 'carol', null],
    ]);
    expect(p.rowsTruncated).toBe(false);
    expect(srv.snapshot()).toBe(before);
  });

  it('is for admins only: helpdesk and auditors get 403, nobody 401', async () => {
    expect((await csv(cookies.get('helpdesk')!, file)).status).toBe(403);
    expect((await csv(cookies.get('auditor')!, file)).status).toBe(403);
    expect((await csv(null, file)).status).toBe(401);
  });

  it('needs the CSRF header and refuses cross-site requests', async () => {
    const noHeader = await srv.call('POST', '/console/users/import/preview', { rawBody: file, headers: { 'content-type': 'text/csv', cookie: cookies.get('admin')! } });
    expect(noHeader.status).toBe(403);
    expect((await csv(cookies.get('admin')!, file, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('takes text/csv only; other routes stay JSON-only', async () => {
    const form = await srv.call('POST', '/console/users/import/preview', { rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-tessera-csrf': '1', cookie: cookies.get('admin')! } });
    expect(form.status).toBe(415);
    const json = await srv.call('POST', '/console/users/import/preview', { body: { a: 1 }, headers: { 'x-tessera-csrf': '1', cookie: cookies.get('admin')! } });
    expect(json.status).toBe(415);
    const trpcCsv = await srv.call('POST', '/trpc/users.create', { rawBody: 'username\nx\n', headers: { 'content-type': 'text/csv', 'x-tessera-csrf': '1', cookie: cookies.get('admin')! } });
    expect(trpcCsv.status).toBe(415);
  });

  it('accepts a body over the global 64 KB JSON limit', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `big-${String(i).padStart(5, '0')},big${i}@example.com,Big User ${i}`);
    const r = await csv(cookies.get('admin')!, `username,email,display_name\n${rows.join('\n')}\n`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.counts.create).toBe(5000);
  });

  it('checks who is asking before reading the body: over 50 MB is 401 signed out, 413 for an admin', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024 + 1, 'a');
    expect((await csv(null, big as unknown as string)).status).toBe(401);
    expect((await csv(cookies.get('helpdesk')!, big as unknown as string)).status).toBe(403);
    const admin = await csv(cookies.get('admin')!, big as unknown as string);
    expect(admin.status).toBe(413);
    expect(admin.json.error.code).toBe('too_large');
  });

  it('answers a file without a username column with a clear 400', async () => {
    const r = await csv(cookies.get('admin')!, 'name,mail\nx,y\n');
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/no username column/);
  });
});

describe('POST /console/users/import', () => {
  it('runs the previewed plan as a job with progress, one audit entry per user', async () => {
    const admin = cookies.get('admin')!;
    const rows = Array.from({ length: 1200 }, (_, i) => `imp-${i}`);
    const p = (await csv(admin, `username\n${rows.join('\n')}\nexisting\n`)).json as ImportPreview;
    const auditBefore = srv.auditCount();
    const start = await srv.call('POST', '/console/users/import', { body: { planId: p.planId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(start.status, start.text).toBe(202);
    expect(start.json.total).toBe(1200);
    const done = await waitForJob(admin, start.json.jobId);
    expect(done.state).toBe('done');
    expect(done.done).toBe(1200);
    expect(done.result).toEqual({ created: 1200, skipped: 1, rejected: 0, cancelled: false, notAttempted: 0 });
    expect(srv.auditCount() - auditBefore).toBe(1200);
    // A plan is used once.
    const again = await srv.call('POST', '/console/users/import', { body: { planId: p.planId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(again.status).toBe(404);
  });

  it("another operator cannot start someone else's plan, and only admins may start one", async () => {
    const p = (await csv(cookies.get('admin')!, 'username\nzed\n')).json as ImportPreview;
    const helpdesk = await srv.call('POST', '/console/users/import', { body: { planId: p.planId }, headers: { 'x-tessera-csrf': '1', cookie: cookies.get('helpdesk')! } });
    expect(helpdesk.status).toBe(403);
    const bad = await srv.call('POST', '/console/users/import', { body: { planId: 'nope' }, headers: { 'x-tessera-csrf': '1', cookie: cookies.get('admin')! } });
    expect(bad.status).toBe(400);
  });

  it('cancel stops between chunks: what was committed stays', async () => {
    const admin = cookies.get('admin')!;
    const rows = Array.from({ length: 20_000 }, (_, i) => `can-${i}`);
    const p = (await csv(admin, `username\n${rows.join('\n')}\n`)).json as ImportPreview;
    expect(p.rows.length).toBe(20_000);
    const start = await srv.call('POST', '/console/users/import', { body: { planId: p.planId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    const cancel = await srv.call('POST', '/trpc/jobs.cancel', { body: { id: start.json.jobId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(cancel.status, cancel.text).toBe(200);
    const done = await waitForJob(admin, start.json.jobId);
    expect(done.state).toBe('cancelled');
    expect(done.result.cancelled).toBe(true);
    expect(done.result.created + done.result.notAttempted).toBe(20_000);
    expect(done.result.created).toBeLessThan(20_000);
    const count = srv.services.store.users.count();
    expect(count).toBeGreaterThan(0);
  });
});
