import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { electronBuildOptions, ROOT } from '../../build/electron';
import { TesseraError } from '../../shared/errors';
import type { UserCsvBatch, UserCsvSummary } from '../services/userCsv';
import { runWorker, workerLaunch } from './worker';
import { WORKER_NICE } from './workerTask';

const csv = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

async function parseInWorker(bytes: Uint8Array, launch?: ReturnType<typeof workerLaunch>) {
  const batches: UserCsvBatch[] = [];
  const summary = await runWorker<UserCsvSummary, UserCsvBatch>('userCsv', bytes, { onMessage: (b) => batches.push(b), ...(launch ? { launch } : {}) });
  return { summary, rows: batches.flatMap((b) => b.rows) };
}

describe('runWorker from source (tsx, vitest)', () => {
  it('runs the task in a thread and streams its messages before the result', async () => {
    const lines = Array.from({ length: 12_000 }, (_, i) => `u${i},u${i}@example.com`);
    const { summary, rows } = await parseInWorker(csv(`username,email,dept\n${lines.join('\n')}\n`));
    expect(summary).toEqual({ ignoredColumns: ['dept'], total: 12_000 });
    expect(rows).toHaveLength(12_000);
    expect(rows[11_999]).toEqual({ row: 12_001, username: 'u11999', email: 'u11999@example.com' });
  });

  it('moves a transferred buffer instead of copying it', async () => {
    const bytes = csv('username\nx\n');
    const copy = new Uint8Array(bytes);
    await runWorker('userCsv', copy, { transferList: [copy.buffer as ArrayBuffer], onMessage: () => {} });
    expect(copy.byteLength).toBe(0); // detached here: the worker had the only copy
    expect(bytes.byteLength).toBeGreaterThan(0);
  });

  it("rejects with the task's TesseraError, code and message intact", async () => {
    const err = await runWorker('userCsv', csv('name,mail\nx,y\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe('bad_request');
    expect((err as TesseraError).message).toMatch(/no username column/);
  });

  it.runIf(process.platform === 'linux')('runs the task at a lower priority than the event loop (nice WORKER_NICE)', async () => {
    const niceOf = (tid: string) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const before = new Set(fs.readdirSync('/proc/self/task'));
    let seen: number[] = [];
    const big = csv(`username\n${'someone\n'.repeat(60_000)}`);
    await runWorker('userCsv', big, {
      onMessage: () => {
        if (seen.length === 0)
          seen = fs
            .readdirSync('/proc/self/task')
            .filter((t) => !before.has(t))
            .map(niceOf);
      },
    });
    expect(seen).toContain(WORKER_NICE);
    expect(niceOf(String(process.pid))).toBe(0);
  });

  it('an abort ends the worker and rejects with the reason', async () => {
    const controller = new AbortController();
    const big = csv(`username\n${'someone\n'.repeat(150_000)}`);
    const run = runWorker('userCsv', big, { signal: controller.signal, onMessage: () => controller.abort(new TesseraError('conflict', 'stop')) });
    await expect(run).rejects.toThrow('stop');
  });
});

describe('runWorker from the desktop bundle (dist-electron/workers)', () => {
  // Beside package.json, like the real dist-electron: the bundle finds node_modules by walking up.
  const out = path.join(ROOT, `.worker-bundle-${process.pid}`);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('build/electron.ts bundles every worker where the bundled main process looks for it', async () => {
    await build({ ...electronBuildOptions(out).workers, logLevel: 'silent' });
    const launch = workerLaunch('userCsv', pathToFileURL(path.join(out, 'main.js')).href);
    expect(launch.eval).toBe(false);
    expect(fs.existsSync(launch.script as URL)).toBe(true);
    const { summary, rows } = await parseInWorker(csv('username,display_name\nalice,Alice A\n'), launch);
    expect(summary.total).toBe(1);
    expect(rows).toEqual([{ row: 2, username: 'alice', displayName: 'Alice A' }]);
  }, 60_000);
});
