/**
 * bench/scale — the console at scale.
 *
 * Seeds 100,000 users and 1,000,000 audit entries (a real hash chain, signed
 * head, spread over 60 days) in a temp data dir, then times, through the same
 * tRPC procedures the console calls (createCaller with an admin session):
 * user searches, filtered audit pages, and a 1,000,000-row export through the
 * export service, sampling RSS to show memory stays flat while it streams.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { openTessera } from '../server/tessera.js';
import type { Services } from '../server/services/index.js';
import type { AuditAction } from '../shared/auditActions.js';
import { appRouter } from '../server/api/trpc/router.js';
import { createCallerFactory } from '../server/api/trpc/init.js';
import { createContextInner } from '../server/api/trpc/context.js';
import { auditBundleLines } from '../server/services/auditExport.js';
import { usernameKey } from '../shared/schemas/text.js';
import type { BenchResult, Json, Metric } from './lib/types.js';
import { envInt } from './lib/env.js';
import { FIRST_NAMES } from './lib/names.js';
import { timeCalls as timeRuns } from './lib/timeCalls';

const USERS = envInt('BENCH_SCALE_USERS', 100_000);
const ENTRIES = envInt('BENCH_SCALE_ENTRIES', 1_000_000);
const RUNS = 30;
const GOAL_MS = 50;

function seedUsers(s: Services): void {
  s.store.tx(() => {
    for (let i = 0; i < USERS; i++) {
      const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
      const username = `${first}.${i}`;
      s.store.users.insert({
        id: randomUUID(),
        username,
        username_key: usernameKey(username),
        display_name: `${first[0]!.toUpperCase()}${first.slice(1)} Person ${i}`,
        email: `${username}@example.com`,
        created_at: Date.now(),
      });
    }
  });
}

/** Appends ENTRIES audit entries through the real AuditLog (hash chain + signed head), with a moving clock. */
function seedAudit(s: Services, clock: { now: number }): void {
  const start = Date.now() - 60 * 86_400_000;
  const step = (60 * 86_400_000) / ENTRIES;
  const actions: AuditAction[] = ['verify', 'verify', 'verify', 'verify', 'verify', 'verify', 'factor.enroll', 'factor.confirm', 'user.reset', 'user.create'];
  const batch = 10_000;
  for (let done = 0; done < ENTRIES; done += batch) {
    s.store.tx(() => {
      for (let i = done; i < Math.min(ENTRIES, done + batch); i++) {
        clock.now = start + i * step;
        const action = actions[i % actions.length]!;
        const failed = action === 'verify' && i % 7 === 0;
        s.audit.append({
          actor: { kind: 'apikey', id: 'bench', name: i % 3 === 0 ? 'portal' : 'vpn', ip: '127.0.0.1' },
          action,
          user: `${FIRST_NAMES[i % FIRST_NAMES.length]}.${i % USERS}`,
          outcome: failed ? 'failure' : 'success',
          reason: failed ? 'invalid_code' : null,
          details: action === 'verify' && !failed ? { type: 'totp' } : null,
        });
      }
    });
  }
}

const timeCalls = (fn: () => Promise<unknown>) => timeRuns(fn, RUNS);

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-scale-'));
  const clock = { now: Date.now() };
  const services = openTessera({ dataDir: dir, clock: () => clock.now });
  try {
    let t = performance.now();
    seedUsers(services);
    const seedUsersMs = performance.now() - t;
    t = performance.now();
    seedAudit(services, clock);
    const seedAuditMs = performance.now() - t;
    clock.now = Date.now();

    const adminId = randomUUID();
    services.store.operators.insert({
      id: adminId,
      username: 'bench-admin',
      username_key: 'bench-admin',
      display_name: null,
      role: 'admin',
      password_hash: null,
      status: 'active',
      created_at: Date.now(),
    });
    const caller = createCallerFactory(appRouter)(
      createContextInner(services, { session: { id: 'bench', operator: services.store.operators.findById(adminId)! } }),
    );

    const searches: [string, string][] = [
      ['empty query (first page)', ''],
      ['common name "anna"', 'anna'],
      ['rare "person 99999"', 'person 99999'],
      ['email domain "example"', 'example'],
      ['no match "zzqx-none"', 'zzqx-none'],
      ['2 chars "ta"', 'ta'],
    ];
    const searchResults: Record<string, Json> = {};
    const metrics: Metric[] = [
      { label: 'seed users', value: Math.round(seedUsersMs), unit: 'ms' },
      { label: 'seed audit entries', value: Math.round(seedAuditMs), unit: 'ms' },
    ];
    let worst = 0;
    for (const [label, query] of searches) {
      const r = await timeCalls(() => caller.users.list({ query, limit: 50 }));
      worst = Math.max(worst, r.p95);
      searchResults[label] = r;
      metrics.push({ label: `users.list ${label} median / p95`, value: `${r.median.toFixed(2)} / ${r.p95.toFixed(2)}`, unit: 'ms' });
    }
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const pages: [string, Record<string, unknown>][] = [
      ['newest 100', {}],
      ['user', { user: 'anna.40' }],
      ['action=user.reset', { action: 'user.reset' }],
      ['outcome=failure', { outcome: 'failure' }],
      ['actor=portal + outcome=failure', { actor: 'portal', outcome: 'failure' }],
      ['time range (one day, 30 days ago)', { from: day(30), to: day(29) }],
      ['action=verify + outcome=failure + range', { action: 'verify', outcome: 'failure', from: day(40), to: day(20) }],
      ['oldest first', { order: 'asc' }],
    ];
    const pageResults: Record<string, Json> = {};
    for (const [label, filter] of pages) {
      let rows = 0;
      const timed = await timeCalls(async () => {
        rows = (await caller.audit.query({ limit: 100, ...filter } as never)).items.length;
      });
      const r = { ...timed, rows };
      worst = Math.max(worst, r.p95);
      pageResults[label] = r;
      metrics.push({ label: `audit.query ${label} median / p95`, value: `${r.median.toFixed(2)} / ${r.p95.toFixed(2)} (${rows} rows)`, unit: 'ms' });
    }

    // Export every entry through the export service, into a sink that counts bytes.
    const rss: number[] = [process.memoryUsage().rss];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 50);
    t = performance.now();
    let bytes = 0;
    let lines = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    });
    for await (const chunk of auditBundleLines(services, { kind: 'system', id: null, name: 'bench', ip: null })) {
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
      if (!sink.write(chunk)) await new Promise((r) => sink.once('drain', r));
    }
    const exportMs = performance.now() - t;
    clearInterval(sampler);
    rss.push(process.memoryUsage().rss); // at least two samples, however short the export
    const rssMb = rss.map((b) => b / 2 ** 20);
    const quarter = Math.max(1, Math.floor(rssMb.length / 4));
    const firstQuarterMax = Math.max(...rssMb.slice(0, quarter));
    const lastQuarterMax = Math.max(...rssMb.slice(-quarter));
    metrics.push(
      { label: `export ${ENTRIES.toLocaleString('en')} entries (JSON lines bundle)`, value: Math.round(exportMs), unit: 'ms' },
      { label: 'export rows/s', value: Math.round((lines / exportMs) * 1000), unit: 'rows/s' },
      { label: 'export bytes', value: Math.round(bytes / 2 ** 20), unit: 'MiB' },
      { label: 'RSS during export: first quarter max / last quarter max', value: `${firstQuarterMax.toFixed(0)} / ${lastQuarterMax.toFixed(0)}`, unit: 'MiB' },
    );
    const flat = lastQuarterMax < firstQuarterMax * 1.25 + 32;
    return {
      name: 'scale',
      description: `${USERS.toLocaleString('en')} users, ${ENTRIES.toLocaleString('en')} audit entries: console search, filtered audit pages, full export`,
      metrics,
      goal: { text: `search and filtered page p95 < ${GOAL_MS} ms; export memory flat`, met: worst < GOAL_MS && flat },
      notes: [
        `Timed through the tRPC procedures (createCaller with an admin session), ${RUNS} runs each; no HTTP in between.`,
        'Export: the same streaming service the console and `tessera audit export` use; RSS sampled every 50 ms.',
      ],
      data: {
        searches: searchResults,
        pages: pageResults,
        exportMs,
        bytes,
        lines,
        rssMb: { min: Math.min(...rssMb), max: Math.max(...rssMb), firstQuarterMax, lastQuarterMax },
      } as Json,
    };
  } finally {
    services.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
