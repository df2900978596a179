import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorRole } from '../../../../shared/schemas/operators';
import type { AuditVerifyResult } from '../../../../shared/schemas/audit';
import { SYSTEM_ACTOR } from '../../../services/index';
import { startTestServer, type TestServer } from '../../../testing/harness';
import type { JobStatus } from '../../console/jobs';

/**
 * Issue 11, finding 8 (audit half): the console's integrity check is a job
 * (worker thread, progress, cancel), one at a time per operator, a few at
 * once over everyone.
 */

let srv: TestServer;
const cookies = new Map<string, string>();

async function signIn(username: string, role: OperatorRole): Promise<void> {
  cookies.set(username, await srv.signIn(username, role));
}

const headers = (who: string) => ({ cookie: cookies.get(who)!, 'x-tessera-csrf': '1' });
/** As the console's batch link sends a mutation without input. */
async function startCheck(who: string) {
  const r = await srv.call('POST', '/trpc/audit.verify?batch=1', { rawBody: '{}', headers: { ...headers(who), 'content-type': 'application/json' } });
  const one = Array.isArray(r.json) ? r.json[0] : r.json;
  return { ...r, json: one };
}
const cancel = (who: string, id: string) => srv.call('POST', '/trpc/jobs.cancel', { body: { id }, headers: headers(who) });

async function job(who: string, id: string): Promise<JobStatus<AuditVerifyResult>> {
  const r = await srv.call('GET', `/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, { headers: { cookie: cookies.get(who)! } });
  return r.json.result.data;
}

async function finished(who: string, id: string): Promise<JobStatus<AuditVerifyResult>> {
  for (let i = 0; i < 3000; i++) {
    const s = await job(who, id);
    if (s.state !== 'running') return s;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('the check did not finish');
}

beforeAll(async () => {
  srv = await startTestServer();
  for (const [name, role] of [
    ['aud1', 'auditor'],
    ['aud2', 'auditor'],
    ['aud3', 'auditor'],
  ] as const)
    await signIn(name, role);
  // Enough entries that a check is still running while the next requests arrive (the worker alone takes a while to start).
  const s = srv.services;
  for (let t = 0; t < 10; t++) {
    s.store.tx(() => {
      for (let i = 0; i < 2000; i++) s.audit.append({ actor: SYSTEM_ACTOR, action: 'verify', user: `u${i % 50}`, outcome: 'success' });
    });
  }
});
afterAll(async () => {
  await srv?.close();
});

describe('audit.verify (console)', () => {
  it('is a job with progress and the result; a second one by the same operator meanwhile is a 409', async () => {
    const r = await startCheck('aud1');
    expect(r.status, r.text).toBe(200);
    const started = r.json.result.data as JobStatus;
    expect(started).toMatchObject({ kind: 'audit.verify', state: 'running', total: srv.auditCount() });
    const again = await startCheck('aud1');
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/still running/);
    const done = await finished('aud1', started.id);
    expect(done).toMatchObject({ state: 'done', result: { ok: true, entries: started.total } });
    expect(done.done).toBe(started.total);
  });

  it('can be cancelled; beyond two running checks over all operators, a 429 with Retry-After', async () => {
    const a = (await startCheck('aud1')).json.result.data as JobStatus;
    const b = (await startCheck('aud2')).json.result.data as JobStatus;
    const third = await startCheck('aud3');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect((await cancel('aud1', a.id)).status).toBe(200);
    expect(await finished('aud1', a.id)).toMatchObject({ state: 'cancelled' });
    expect(await finished('aud2', b.id)).toMatchObject({ state: 'done', result: { ok: true } });
    // Others' jobs are not theirs to see.
    expect(
      (await srv.call('GET', `/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id: b.id }))}`, { headers: { cookie: cookies.get('aud3')! } })).status,
    ).toBe(404);
    const now = await startCheck('aud3');
    expect(now.status).toBe(200);
    await finished('aud3', (now.json.result.data as JobStatus).id);
  });
});
