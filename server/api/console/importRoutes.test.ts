import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness';
import type { OperatorRole } from '../../../shared/schemas/operators';
import type { ImportPreview } from '../../../shared/schemas/userImport';
import { planUserImport, readUserCsv } from '../../services/userImport';
import { PREVIEW_ROW_LIMIT } from './importRoutes';

let srv: TestServer;
const cookies = new Map<OperatorRole, string>();

/** An operator of `role`, signed in through the real services: returns the session cookie header. */
async function sessionOf(role: OperatorRole): Promise<string> {
  return srv.signIn(`op-${role}`, role);
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
  const file =
    'username,email,display_name,department\nalice,alice@example.com,Alice A,IT\nEXISTING,,,\nbob,not-an-email,Bob,\nalice,,Alice again,\n,,nobody,\ncarol,,,\n';

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
    const noHeader = await srv.call('POST', '/console/users/import/preview', {
      rawBody: file,
      headers: { 'content-type': 'text/csv', cookie: cookies.get('admin')! },
    });
    expect(noHeader.status).toBe(403);
    expect((await csv(cookies.get('admin')!, file, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('takes text/csv only; other routes stay JSON-only', async () => {
    const form = await srv.call('POST', '/console/users/import/preview', {
      rawBody: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-tessera-csrf': '1', cookie: cookies.get('admin')! },
    });
    expect(form.status).toBe(415);
    const json = await srv.call('POST', '/console/users/import/preview', { body: { a: 1 }, headers: { 'x-tessera-csrf': '1', cookie: cookies.get('admin')! } });
    expect(json.status).toBe(415);
    const trpcCsv = await srv.call('POST', '/trpc/users.create', {
      rawBody: 'username\nx\n',
      headers: { 'content-type': 'text/csv', 'x-tessera-csrf': '1', cookie: cookies.get('admin')! },
    });
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

/** 200,000 rows: mostly new users, some existing, repeated, invalid. */
function largeCsv(tag: string): string {
  const lines = ['username,email,display_name'];
  for (let i = 0; i < 200_000; i++) {
    if (i % 997 === 0) lines.push(`${tag}-${i},not-an-email,Bad ${i}`);
    else if (i % 1009 === 0) lines.push(`${tag}-${i - 1},,Repeat ${i}`);
    else if (i === 5) lines.push('existing,,');
    else lines.push(`${tag}-${i},${tag}${i}@example.com,Person ${i}`);
  }
  return `${lines.join('\n')}\n`;
}

function previewAsync(cookie: string, body: string) {
  return srv.call('POST', '/console/users/import/preview', {
    rawBody: body,
    headers: { 'content-type': 'text/csv', 'x-tessera-csrf': '1', prefer: 'respond-async', cookie },
  });
}

async function jobStatus(cookie: string, id: string): Promise<any> {
  return (await srv.call('GET', `/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, { headers: { cookie } })).json.result.data;
}

describe('previewing a large file (parsed in a worker thread)', () => {
  it('gives the same plan as reading and planning the file in one go', async () => {
    const file = largeCsv('lg');
    const r = await csv(cookies.get('admin')!, file);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    const p = r.json as ImportPreview;
    const { rows } = readUserCsv(file);
    const plan = planUserImport(srv.services, rows);
    expect(p.total).toBe(200_000);
    expect(p.counts).toEqual({ create: plan.create.length, skip: plan.skip.length, reject: plan.reject.length });
    expect(p.counts.reject).toBeGreaterThan(0);
    expect(p.counts.skip).toBeGreaterThan(1);
    expect(p.rows).toHaveLength(PREVIEW_ROW_LIMIT);
    expect(p.rowsTruncated).toBe(true);
    const rejected = p.rows.filter((x) => x.outcome === 'reject').map((x) => [x.row, x.reason]);
    expect(rejected).toEqual(plan.reject.map((x) => [x.row, x.reason]));
    const skipped = p.rows.filter((x) => x.outcome === 'skip').map((x) => [x.row, x.username, x.reason]);
    expect(skipped).toEqual(plan.skip.map((x) => [x.row, x.username, x.reason]));
  }, 60_000);

  it('runs as a job with progress when asked to (Prefer: respond-async); healthz answers meanwhile; a second preview by the same operator is refused', async () => {
    const admin = cookies.get('admin')!;
    const started = await previewAsync(admin, largeCsv('pa'));
    expect(started.status, started.text).toBe(202);
    const jobId = started.json.jobId as string;

    // While it runs: the same operator may not start another one, sync or async (409, with the reason) …
    const second = await csv(admin, 'username\nsomeone\n');
    expect(second.status, second.text).toBe(409);
    expect(second.json.error.message).toMatch(/already previewing a file/);
    expect((await previewAsync(admin, 'username\nsomeone\n')).status).toBe(409);
    // … and the server goes on answering.
    const health = await srv.call('GET', '/healthz');
    expect(health.status).toBe(200);
    const during = await jobStatus(admin, jobId);
    expect(during.state).toBe('running'); // healthz was answered while the preview ran
    expect(during.kind).toBe('users.import.preview');

    const messages = new Set<string>();
    let status = during;
    for (let i = 0; i < 600 && status.state === 'running'; i++) {
      if (status.message) messages.add(status.message.replace(/[\d,]+/g, 'N'));
      await new Promise((res) => setTimeout(res, 25));
      status = await jobStatus(admin, jobId);
    }
    expect(status.state).toBe('done');
    expect([...messages].some((m) => m.startsWith('Reading the file') || m.startsWith('Checking rows'))).toBe(true);
    const preview = status.result as ImportPreview;
    expect(preview.total).toBe(200_000);
    expect(preview.counts.create).toBeGreaterThan(190_000);

    // Done: the next preview is accepted, and its plan can be started as usual.
    const next = await csv(admin, 'username\nafter-the-big-one\n');
    expect(next.status, next.text).toBe(200);
    const start = await srv.call('POST', '/console/users/import', { body: { planId: preview.planId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(start.status).toBe(202);
    await srv.call('POST', '/trpc/jobs.cancel', { body: { id: start.json.jobId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    await waitForJob(admin, start.json.jobId);
  }, 120_000);

  it('a cancelled preview job stops and frees the slot', async () => {
    const admin = cookies.get('admin')!;
    const started = await previewAsync(admin, largeCsv('pc'));
    expect(started.status).toBe(202);
    const cancel = await srv.call('POST', '/trpc/jobs.cancel', { body: { id: started.json.jobId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(cancel.status).toBe(200);
    const done = await waitForJob(admin, started.json.jobId);
    expect(done.state).toBe('cancelled');
    expect((await csv(admin, 'username\nfree-again\n')).status).toBe(200);
  }, 60_000);
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
    expect(done.result).toEqual({
      created: 1200,
      skipped: 1,
      rejected: 0,
      cancelled: false,
      notAttempted: 0,
      emailCodes: { sent: 0, failed: 0, firstError: null },
    });
    expect(srv.auditCount() - auditBefore).toBe(1200);
    // A plan is used once.
    const again = await srv.call('POST', '/console/users/import', { body: { planId: p.planId }, headers: { 'x-tessera-csrf': '1', cookie: admin } });
    expect(again.status).toBe(404);
  });

  it("another operator cannot start someone else's plan, and only admins may start one", async () => {
    const p = (await csv(cookies.get('admin')!, 'username\nzed\n')).json as ImportPreview;
    const helpdesk = await srv.call('POST', '/console/users/import', {
      body: { planId: p.planId },
      headers: { 'x-tessera-csrf': '1', cookie: cookies.get('helpdesk')! },
    });
    expect(helpdesk.status).toBe(403);
    const bad = await srv.call('POST', '/console/users/import', {
      body: { planId: 'nope' },
      headers: { 'x-tessera-csrf': '1', cookie: cookies.get('admin')! },
    });
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
