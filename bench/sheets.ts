/**
 * bench/sheets — batch enrollment sheets.
 *
 * Seeds SHEETS users in a temp data dir through the services, plans "every
 * user without an active factor", then issues and draws one PDF with a page
 * per user into a file (writeSheetBatch: per sheet one transaction with its
 * audit entry, a vector QR, a flush to the file with backpressure). Reports
 * wall time, sheets/s, output size and the process's peak RSS, sampled every
 * 50 ms, plus RSS at each quarter of the batch to show it stays flat.
 * Everything runs in this process (like the server would), so the RSS
 * includes the Node/tsx baseline, reported before the batch starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTessera } from '../server/tessera.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { createUser } from '../server/services/users.js';
import { planSheets, writeSheetBatch } from '../server/services/sheets/enrollmentSheets.js';
import { onCleanup } from './lib/cleanup.js';
import type { BenchResult, Json, Metric } from './lib/types.js';

const SHEETS = envInt('BENCH_SHEETS', 1000);
const SAMPLE_MS = 50;
const GOAL = { seconds: 10, peakRssMb: 300 };

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export async function run(): Promise<BenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-sheets-'));
  const unregister = onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const services = openTessera({ dataDir, env: {} });
  try {
    const seedStart = performance.now();
    for (let i = 0; i < SHEETS; i++) {
      createUser(services, { username: `sheet-${String(i).padStart(5, '0')}`, displayName: `Bench User ${i}`, email: `user${i}@example.com` }, SYSTEM_ACTOR);
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, SAMPLE_MS);

    const file = path.join(dataDir, 'sheets.pdf');
    const out = fs.createWriteStream(file);
    const checkpoints = new Set([0.25, 0.5, 0.75, 1].map((f) => Math.max(1, Math.round(SHEETS * f))));
    const atCheckpoint: { sheets: number; seconds: number; rssMb: number; heapUsedMb: number; fileMb: number }[] = [];

    const t0 = performance.now();
    const plan = await planSheets(services, { kind: 'withoutFactor' });
    const planSeconds = (performance.now() - t0) / 1000;
    if (plan.sheets.length !== SHEETS) throw new Error(`planned ${plan.sheets.length} sheets, expected ${SHEETS}`);
    const result = await writeSheetBatch(services, plan.sheets, out, SYSTEM_ACTOR, {
      paper: 'a4',
      batchId: 'bench',
      onProgress: (p) => {
        if (checkpoints.has(p.done)) {
          const m = process.memoryUsage();
          peakRss = Math.max(peakRss, m.rss);
          atCheckpoint.push({
            sheets: p.done,
            seconds: (performance.now() - t0) / 1000,
            rssMb: mb(m.rss),
            heapUsedMb: mb(m.heapUsed),
            fileMb: mb(out.bytesWritten),
          });
        }
      },
    });
    out.end();
    await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const size = fs.statSync(file).size;
    if (result.pages !== SHEETS || result.bytes !== size)
      throw new Error(`expected ${SHEETS} pages, got ${result.pages} (${result.bytes} bytes, file ${size})`);
    const auditEntries = services.store.audit.stats().count;

    const rssGrowthMb = atCheckpoint.length >= 2 ? atCheckpoint[atCheckpoint.length - 1]!.rssMb - atCheckpoint[0]!.rssMb : 0;
    const met = seconds < GOAL.seconds && mb(peakRss) < GOAL.peakRssMb;
    const metrics: Metric[] = [
      { label: 'sheets', value: SHEETS },
      { label: 'time (plan + issue + draw + write)', value: Math.round(seconds * 100) / 100, unit: 's' },
      { label: 'throughput', value: Math.round(SHEETS / seconds), unit: 'sheets/s' },
      { label: 'output size', value: mb(size), unit: 'MB' },
      { label: 'per sheet', value: Math.round(size / SHEETS / 102.4) / 10, unit: 'KB' },
      { label: 'peak RSS (50 ms samples)', value: mb(peakRss), unit: 'MB' },
      { label: 'RSS before the batch', value: mb(baselineRss), unit: 'MB' },
      ...atCheckpoint.map((c) => ({ label: `RSS at ${c.sheets} sheets`, value: c.rssMb, unit: 'MB' })),
      { label: `RSS growth ${atCheckpoint[0]?.sheets ?? 0} → ${SHEETS} sheets`, value: Math.round(rssGrowthMb * 10) / 10, unit: 'MB' },
    ];
    return {
      name: 'sheets',
      description: `${SHEETS.toLocaleString('en')} enrollment sheets (A4) in one PDF`,
      metrics,
      goal: { text: `< ${GOAL.seconds} s and < ${GOAL.peakRssMb} MB peak RSS`, met },
      notes: [
        `Seeded ${SHEETS} users through the services in ${seedSeconds.toFixed(1)} s (not timed); planning took ${(planSeconds * 1000).toFixed(0)} ms.`,
        'Timed: plan, then per sheet one transaction (delete pending TOTP, seal a new seed, insert, one sheet.issue audit entry), a page with a vector QR, and the write to a file with backpressure.',
        `The audit log holds ${auditEntries} entries after the run (users, sheets).`,
        'RSS is the whole bench process (Node + tsx + SQLite page cache); the growth line is what the batch adds between the first and the last quarter.',
      ],
      data: {
        sheets: SHEETS,
        seconds,
        seedSeconds,
        planSeconds,
        bytes: size,
        peakRssMb: mb(peakRss),
        baselineRssMb: mb(baselineRss),
        checkpoints: atCheckpoint,
      } as unknown as Json,
    };
  } finally {
    services.store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    unregister();
  }
}
