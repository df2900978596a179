import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SheetBatchStarted } from '../../shared/schemas/sheets';
import type { JobStatus } from '../api/console/jobs';
import { SYSTEM_ACTOR } from '../services/context';
import { createUser } from '../services/users';
import { sessionCookieInStore } from '../testing/harness';
import { dropTestDatabase, freshTestDatabase, testBackend } from '../testing/testDatabase';
import { startTessera, type RunningTessera } from '../tessera';

/**
 * Issue 17: two nodes on one PostgreSQL database. A batch of sheets started on
 * node A is seen from node B — the same state and progress, from the job's row
 * — its file is on A (B says so: 409 naming A and its console), and B can
 * cancel it: A's job reads the request at its next progress tick and stops.
 * Still the owner's only. Both nodes run in this process, each its own server,
 * data folder and database connection; the session is the shared database's.
 */
describe.skipIf(testBackend() !== 'postgres')('console jobs across two nodes', () => {
  let url: string;
  let a: RunningTessera;
  let b: RunningTessera;
  let admin: string;
  let otherAdmin: string;
  const dirs: string[] = [];

  const call = async (node: RunningTessera, method: 'GET' | 'POST', p: string, cookie: string, body?: unknown) => {
    const res = await fetch(`${node.url}${p}`, {
      method,
      headers: { cookie, 'x-tessera-csrf': '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // a PDF
    }
    return { status: res.status, json, bytes: text.length, type: res.headers.get('content-type') };
  };
  const status = async (node: RunningTessera, id: string, cookie = admin) => {
    const r = await call(node, 'GET', `/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, cookie);
    return r.status === 200 ? ((r.json as { result: { data: JobStatus } }).result.data as JobStatus) : r;
  };
  const settled = async (node: RunningTessera, id: string): Promise<JobStatus> => {
    for (;;) {
      const s = (await status(node, id)) as JobStatus;
      if (s.state !== 'running') return s;
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const startBatch = async (query: string): Promise<SheetBatchStarted> => {
    const r = await call(a, 'POST', '/console/sheets/batch', admin, { selection: { kind: 'search', query } });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    return r.json as SheetBatchStarted;
  };

  beforeAll(async () => {
    url = (await freshTestDatabase())!;
    const masterKey = randomBytes(32);
    const node = (env: NodeJS.ProcessEnv) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-jobs-node-'));
      dirs.push(dataDir);
      return startTessera({ dataDir, databaseUrl: url, masterKey, port: 0, consoleDir: null, env });
    };
    a = await node({ TESSERA_NODE_NAME: 'node-a', TESSERA_NODE_URL: 'https://a.tessera.example' });
    b = await node({});
    const now = a.services.clock();
    admin = sessionCookieInStore(a.services, 'jobs-admin', 'admin', now);
    otherAdmin = sessionCookieInStore(a.services, 'jobs-admin2', 'admin', now);
    for (let i = 1; i <= 3; i++) createUser(a.services, { username: `nodejob-${i}` }, SYSTEM_ACTOR);
    for (let i = 0; i < 60; i++) createUser(a.services, { username: `nodecxl-${String(i).padStart(2, '0')}` }, SYSTEM_ACTOR);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (url) await dropTestDatabase(url);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('B answers for a batch A runs: the same state and progress, and its download is a 409 naming node A and its console', async () => {
    const { jobId } = await startBatch('nodejob-');
    // The row is written before the work starts: B knows the job from the first poll.
    const early = (await status(b, jobId)) as JobStatus;
    expect(['running', 'done']).toContain(early.state);
    expect(early.total).toBe(3);
    expect(early.elsewhere).toMatchObject({ node: 'node-a', url: 'https://a.tessera.example' });

    const onA = await settled(a, jobId);
    expect(onA).toMatchObject({ state: 'done', done: 3, total: 3, elsewhere: null });
    const onB = (await status(b, jobId)) as JobStatus;
    expect({ state: onB.state, done: onB.done, total: onB.total, kind: onB.kind, startedAt: onB.startedAt }).toEqual({
      state: onA.state,
      done: onA.done,
      total: onA.total,
      kind: 'sheets.batch',
      startedAt: onA.startedAt,
    });
    expect(onB.finishedAt).not.toBeNull();
    expect(onB.result).toBeNull(); // the result (and the file) stay on A
    const message = "This batch was made on node node-a; download it from that node's console (https://a.tessera.example)";
    expect(onB.elsewhere).toEqual({ node: 'node-a', url: 'https://a.tessera.example', message });

    const fromB = await call(b, 'GET', `/console/jobs/${jobId}/sheets.pdf`, admin);
    expect(fromB.status).toBe(409);
    expect(fromB.json).toEqual({ error: { code: 'on_other_node', message } });
    const fromA = await call(a, 'GET', `/console/jobs/${jobId}/sheets.pdf`, admin);
    expect(fromA.status).toBe(200);
    expect(fromA.type).toBe('application/pdf');

    // Still the owner's only, on either node.
    for (const node of [a, b]) {
      expect(((await status(node, jobId, otherAdmin)) as { status: number }).status).toBe(404);
      expect((await call(node, 'GET', `/console/jobs/${jobId}/sheets.pdf`, otherAdmin)).status).toBe(404);
      expect((await call(node, 'POST', '/trpc/jobs.cancel', otherAdmin, { id: jobId })).status).toBe(404);
    }
  });

  it('an import previewed on A and started on B: 409 naming the node that holds the plan; on A it starts', async () => {
    const res = await fetch(`${a.url}/console/users/import/preview`, {
      method: 'POST',
      headers: { cookie: admin, 'x-tessera-csrf': '1', 'content-type': 'text/csv', prefer: 'respond-async' },
      body: 'username\nimported-on-a\n',
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const preview = (await settled(a, jobId)) as JobStatus<{ planId: string }>;
    expect(preview.state).toBe('done');
    expect(preview.result!.planId).toBe(jobId);
    const onB = await call(b, 'POST', '/console/users/import', admin, { planId: jobId });
    expect(onB.status).toBe(409);
    expect(onB.json).toEqual({
      error: { code: 'on_other_node', message: "This file was checked on node node-a; start the import from that node's console (https://a.tessera.example)" },
    });
    // Another operator on B gets the usual answer: nothing says the plan exists.
    expect((await call(b, 'POST', '/console/users/import', otherAdmin, { planId: jobId })).status).toBe(404);
    const onA = await call(a, 'POST', '/console/users/import', admin, { planId: jobId });
    expect(onA.status, JSON.stringify(onA.json)).toBe(202);
    expect((await settled(a, (onA.json as { jobId: string }).jobId)).state).toBe('done');
    expect(b.services.store.users.findByKey('imported-on-a')).toBeTruthy();
  });

  it('a cancel asked of B stops the batch on A at its next progress tick; both then say cancelled', async () => {
    const { jobId, total } = await startBatch('nodecxl-');
    expect(total).toBe(60);
    // Cancel once the job has made progress (A's own status is the fresh one).
    while (((await status(a, jobId)) as JobStatus).done === 0) await new Promise((res) => setTimeout(res, 2));
    const asked = await call(b, 'POST', '/trpc/jobs.cancel', admin, { id: jobId });
    expect(asked.status, JSON.stringify(asked.json)).toBe(200);
    const onA = await settled(a, jobId);
    if (onA.state === 'done') return; // A drew all 60 before the request landed: nothing to check on this machine
    expect(onA.state).toBe('cancelled');
    expect(onA.done).toBeLessThan(60);
    const onB = (await status(b, jobId)) as JobStatus;
    expect(onB).toMatchObject({ state: 'cancelled', elsewhere: { node: 'node-a' } });
    expect(onB.finishedAt).not.toBeNull();
    // A cancelled batch has no file, on either node.
    expect((await call(a, 'GET', `/console/jobs/${jobId}/sheets.pdf`, admin)).status).toBe(404);
    expect((await call(b, 'GET', `/console/jobs/${jobId}/sheets.pdf`, admin)).status).toBe(404);
  });
});
