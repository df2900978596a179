import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../testing/harness';
import type { Actor, Services } from './index';
import { createUser } from './users';
import { planUserImport, readUserCsv } from './userImport';
import { runWorker } from '../runtime/worker';
import { listPreviewRows, PLAN_BATCH, previewUserImport, type PreviewMessage, type PreviewProgress, type PreviewWorkerInput } from './userImportPreview';

/** The import preview's worker: the same plan as the in-thread planner, over its own read-only connection. */

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
/** Several batches of the plan (PLAN_BATCH entries each) and a partial one. */
const ROWS = 10_017;
let t: TestServices;
let s: Services;

beforeEach(() => {
  t = openTestServices({ prefix: 'tessera-preview-' });
  s = t.services;
});
afterEach(() => {
  t.close();
});

function csv(n: number): Buffer {
  const lines = ['username,email,display_name,department'];
  for (let i = 0; i < n; i++) {
    const name = i % 900 === 5 ? 'dup' : i === 42 ? 'pаypal' : `user-${i}`; // row 44: Cyrillic а, a look-alike of "paypal"
    lines.push(`${name},${i % 700 === 3 ? 'not-an-email' : `u${i}@example.org`},Person ${i},IT`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

describe('previewUserImport (worker thread)', () => {
  it('gives exactly the plan and the listed rows the in-thread planner gives, in batches, and changes nothing', async () => {
    createUser(s, { username: 'user-1500' }, actor);
    createUser(s, { username: 'paypal' }, actor);
    const file = csv(ROWS);
    const expectedRows = readUserCsv(file).rows;
    const expected = planUserImport(s, expectedRows);
    const before = s.store.audit.stats();
    const progress: PreviewProgress[] = [];
    const preview = await previewUserImport(s, Buffer.from(file), { onProgress: (p) => progress.push(p) });
    expect(preview.plan).toEqual(expected);
    expect(preview.plan.create.length).toBeGreaterThan(2 * PLAN_BATCH - 100);
    expect(preview.plan.skip.map((k) => k.reason).sort()).toEqual(['already exists', ...Array(11).fill('duplicate in file')]);
    expect(preview.plan.reject.find((r) => r.row === 44)?.reason).toMatch(/looks like the existing user "paypal"/);
    expect(preview.ignoredColumns).toEqual(['department']);
    expect({ rows: preview.rows, truncated: preview.truncated }).toEqual(listPreviewRows(expected, expectedRows));
    expect(preview.total).toBe(ROWS);
    // Reading, then checking, each moving forward to the end.
    const stages = progress.map((p) => p.stage);
    expect(stages.indexOf('checking')).toBeGreaterThan(stages.lastIndexOf('reading'));
    expect(progress.at(-1)).toEqual({ stage: 'checking', done: ROWS, total: ROWS });
    expect(s.store.audit.stats()).toEqual(before);
    expect(s.store.users.count()).toBe(2);
  });

  it('sends its plan one batch per turn of the event loop, never in a burst', async () => {
    const events: string[] = [];
    const input: PreviewWorkerInput = { bytes: new Uint8Array(csv(ROWS)), dbFile: s.store.db.path, nativeBinding: undefined };
    await runWorker<unknown, PreviewMessage>('userImportPreview', input, {
      onMessage: (m) => {
        if (m.kind === 'progress') return;
        events.push(m.kind);
        setImmediate(() => events.push('turn'));
      },
    });
    const batches = events.filter((e) => e !== 'turn');
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil((ROWS - 100) / PLAN_BATCH));
    // Between two batches the loop turned: the next was sent only after the ack.
    for (let i = 1; i < events.length; i++) if (events[i] !== 'turn') expect(events[i - 1]).toBe('turn');
  });

  it("is stopped by its signal, with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the operator');
    const running = previewUserImport(s, csv(50_000), { signal: controller.signal, onProgress: () => controller.abort(reason) });
    await expect(running).rejects.toBe(reason);
  });

  it('refuses a file over the size limit before starting a thread', async () => {
    await expect(previewUserImport(s, Buffer.alloc(50 * 1024 * 1024 + 1, 0x61))).rejects.toMatchObject({ code: 'too_large' });
  });
});
