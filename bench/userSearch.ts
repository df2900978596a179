/**
 * bench/userSearch — the users list at 200,000 users (issue 18).
 *
 * Seeds 200,000 users whose names carry accents (Chloé, Müller, Søren,
 * Łukasz, Straße…) into a database at the schema before migration 0015,
 * times that migration (fold every user's search text, rebuild the FTS
 * index, build the sort indexes), then times through the tRPC procedure the
 * console calls (createCaller, an admin session): folded searches both ways,
 * each sort's first page and a page deep in the list, and the locked filter
 * with a few locked users and with 20,000 failing ones (an attack).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { openTessera } from '../server/tessera.js';
import { MIGRATIONS } from '../server/store/migrations/index.js';
import { appRouter } from '../server/api/trpc/router.js';
import { createCallerFactory } from '../server/api/trpc/init.js';
import { createContextInner } from '../server/api/trpc/context.js';
import type { BenchResult, Json, Metric } from './lib/types.js';
import { envInt } from './lib/env.js';
import { timeCalls as timeRuns } from './lib/timeCalls';

const USERS = envInt('BENCH_USER_SEARCH_USERS', 200_000);
const RUNS = 30;
const GOAL_MS = 50;
const FIRST = ['Chloé', 'Zoë', 'Émile', 'Jürgen', 'Łukasz', 'Søren', 'Ægir', 'Renée', 'Anna', 'Bert', 'Chen', 'Dana', 'Fatima', 'Iñigo', 'Ørjan', 'Björn'];
const LAST = ['Müller', 'Straße', 'Dubois', 'Ødegård', 'Wałęsa', 'Nguyễn', 'Smith', 'García', 'Öztürk', 'Kowalski', 'Lindqvist', 'Černý'];

/** A database at the schema before 0015 with USERS users, as the store wrote them then (search text only lower-cased). */
function seedOldDatabase(file: string): void {
  const at = MIGRATIONS.findIndex((m) => m.name === '0015_search_fold');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.slice(0, at)) {
    db.exec(m.sql);
    m.backfill?.(db);
  }
  db.pragma(`user_version = ${at}`);
  const insert = db.prepare(
    'INSERT INTO users (id, username, username_key, display_name, email, search_text, created_at, last_verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const start = Date.now() - 365 * 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < USERS; i++) {
      const first = FIRST[i % FIRST.length]!;
      const last = LAST[(i * 7) % LAST.length]!;
      const username = `${first.toLowerCase()}.${last.toLowerCase()}.${i}`;
      const display = i % 10 === 0 ? null : `${first} ${last} ${i}`;
      const email = `u${i}@example.com`;
      insert.run(
        randomUUID(),
        username,
        username,
        display,
        email,
        [username, display ?? '', email].join('\u0001').toLowerCase(),
        start + ((i * 7919) % USERS) * 60_000,
        i % 3 === 0 ? null : Date.now() - ((i * 104_729) % 10_000) * 60_000,
      );
    }
  })();
  db.close();
}

const timeCalls = (fn: () => Promise<unknown>) => timeRuns(fn, RUNS);

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-user-search-'));
  try {
    let t = performance.now();
    seedOldDatabase(path.join(dir, 'tessera.db'));
    const seedMs = performance.now() - t;
    fs.writeFileSync(path.join(dir, 'master.key'), Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });
    t = performance.now();
    const services = openTessera({ dataDir: dir, env: {}, createIfNew: false });
    const migrateMs = performance.now() - t;
    try {
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
      const metrics: Metric[] = [
        { label: `seed ${USERS.toLocaleString('en')} users (old schema)`, value: Math.round(seedMs), unit: 'ms' },
        { label: 'migration 0015 (fold, FTS rebuild, sort indexes)', value: Math.round(migrateMs), unit: 'ms' },
      ];
      const results: Record<string, Json> = {};
      let worst = 0;
      const measure = async (label: string, input: Record<string, unknown>) => {
        let rows = 0;
        const r = await timeCalls(async () => {
          rows = (await caller.users.list({ limit: 100, ...input } as never)).items.length;
        });
        worst = Math.max(worst, r.p95);
        results[label] = { ...r, rows };
        metrics.push({ label: `users.list ${label} median / p95`, value: `${r.median.toFixed(2)} / ${r.p95.toFixed(2)} (${rows} rows)`, unit: 'ms' });
      };

      await measure('"chloe" (finds Chloé: folded, common)', { query: 'chloe' });
      await measure('"MÜLLER" (finds muller: folded, common)', { query: 'MÜLLER' });
      await measure('"emile lindqvist 1234" (rare: finds Émile)', { query: 'emile lindqvist 1234' });
      await measure('"SØREN ČERNÝ 5" (rare-ish, accented query)', { query: 'SØREN ČERNÝ 5' });
      await measure('"é" (1 char: folded username prefix)', { query: 'é' });
      await measure('"zz-none" (no match)', { query: 'zz-none' });
      for (const sort of ['username', 'name', 'created', 'lastSignIn'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          await measure(`sort ${sort} ${order} (first page)`, { query: '', sort, order });
        }
        // 500 pages in: a keyset cursor costs the same as the first page.
        let cursor: string | null = null;
        for (let i = 0; i < 500; i++) {
          const page: { nextCursor: string | null } = await caller.users.list({ query: '', limit: 100, sort, ...(cursor ? { cursor } : {}) });
          cursor = page.nextCursor;
        }
        await measure(`sort ${sort} (page 501)`, { query: '', sort, ...(cursor ? { cursor } : {}) });
        await measure(`sort ${sort} + search "chloe"`, { query: 'chloe', sort });
      }

      // Locked: 50 locked users, then 20,000 failing (a password-spraying run against every name).
      const now = Date.now();
      const ids = services.store.users.list({ query: '', limit: 20_000, after: null, withoutFactor: false }).rows.map((r) => r.id);
      services.store.tx(() => {
        for (const id of ids.slice(0, 50)) services.store.users.setThrottle(id, { failures: 10, last_failure_at: now, locked_until: now + 1_800_000 });
      });
      await measure('locked filter (50 locked)', { query: '', locked: true });
      await measure('locked filter (50 locked) by last sign-in', { query: '', locked: true, sort: 'lastSignIn', order: 'desc' });
      services.store.tx(() => {
        for (const id of ids.slice(50)) services.store.users.setThrottle(id, { failures: 1, last_failure_at: now, locked_until: null });
      });
      await measure('locked filter (20,000 failing, 50 locked: bounded walk)', { query: '', locked: true });

      return {
        name: 'userSearch',
        description: `${USERS.toLocaleString('en')} users with accented names: folded search, four sorts with keyset pages, the locked filter`,
        metrics,
        goal: { text: `every users.list p95 < ${GOAL_MS} ms`, met: worst < GOAL_MS },
        notes: [
          `Timed through the tRPC procedure (createCaller with an admin session), ${RUNS} runs each, 100 rows a page; no HTTP in between.`,
          'A walk that stops at its bound answers a short page with a next cursor: the row count shows how many the page held.',
        ],
        data: { seedMs, migrateMs, results } as Json,
      };
    } finally {
      services.store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
