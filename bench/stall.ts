/**
 * bench/stall — does heavy work stall the server?
 *
 * 200,000 users (some with "_" and "%" in their names) and VERIFY_USERS of
 * them with a TOTP factor are seeded into a temp data dir, then the server
 * runs in its own process. Probes send GET /healthz and POST /api/v1/verify
 * (valid codes, each user at most once per TOTP step) at a fixed pace and
 * time each answer, first on a quiet server, then while all of this runs at
 * once (issue 11, findings 5, 6, 8):
 *   - 8 loops of wildcard user searches (GET /api/v1/users?query=…);
 *   - 48 console sign-in floods with random names (bench/lib/loginFlood);
 *   - 200,000-row CSV import previews, one after another (one at a time is
 *     all an operator may run).
 * Goal: verify p99 under 50 ms during the storm. Load goes to 127.0.0.1 only.
 */
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';
import { generateSync } from 'otplib';
import { openTessera } from '../server/tessera.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { confirmFactor, enrollOtpFactor } from '../server/services/factors.js';
import { createOperator } from '../server/services/operatorAccounts.js';
import { usernameKey } from '../shared/schemas/text.js';
import { envInt } from './lib/env.js';
import { FIRST_NAMES } from './lib/names.js';
import { startLoginFlood } from './lib/loginFlood.js';
import { createApiKey, initDataDir, makeTempDataDir, startServer, type ServerHandle } from './lib/server.js';
import { currentStep, codeForStep, waitForStep } from './lib/totp.js';
import type { BenchResult, Json, Metric } from './lib/types.js';
import { operatorAuth } from '../server/services/index.js';

const USERS = envInt('BENCH_STALL_USERS', 200_000);
const VERIFY_USERS = envInt('BENCH_STALL_VERIFY_USERS', 4_000);
const PHASE_S = envInt('BENCH_STALL_SECONDS', 20);
const PREVIEW_ROWS = envInt('BENCH_STALL_PREVIEW_ROWS', 200_000);
const PROBE_EVERY_MS = 10;
/** A healthz on a new connection this often, beside the pooled probes. */
const FRESH_EVERY_MS = 100;
const SEARCHERS = 8;
const FLOODERS = 48;
const GOAL_VERIFY_P99_MS = 50;
/** Rare and common, short and long: each has % or _ (once a whole-table walk each). */
const WILDCARD_QUERIES = ['a_b', '50%', '%', '_', 'x%_y', 'na_1', '%%%', '_4_'];
/** For finding which load stalls: BENCH_STALL_ONLY=search,flood,preview (default all three). */
const ONLY = new Set((process.env.BENCH_STALL_ONLY ?? 'search,flood,preview').split(','));
const ADMIN = { username: 'bench-admin', password: 'bench admin password 1' };
/** BENCH_STALL_TRACE=file: one line per probe (phase, ms since the phase began, kind, latency ms), to see when the slow ones happen. */
const TRACE = process.env.BENCH_STALL_TRACE;
const traceLines: string[] = [];
const PHASES = ['warm-up', 'quiet', 'storm'];
let probes = 0;

interface Seeded {
  verifyUsers: { username: string; secret: string }[];
  sessionCookie: string;
  seedSeconds: number;
}

/** Seeds the data dir in this process before the server starts (minutes over HTTP; seconds here). */
async function seed(dataDir: string): Promise<Seeded> {
  const t0 = performance.now();
  const s = openTessera({ dataDir, env: {}, createIfNew: false });
  try {
    for (let start = 0; start < USERS; start += 10_000) {
      s.store.tx(() => {
        for (let i = start; i < Math.min(USERS, start + 10_000); i++) {
          const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
          const username = i % 50 === 0 ? `${first}_${i}` : i % 333 === 0 ? `${first}${i}%` : `${first}.${i}`;
          s.store.users.insert({
            id: randomUUID(),
            username,
            username_key: usernameKey(username),
            display_name: `${first} Person ${i}`,
            email: `${first}.${i}@example.com`,
            created_at: Date.now(),
          });
        }
      });
    }
    const verifyUsers: Seeded['verifyUsers'] = [];
    for (let i = 0; i < VERIFY_USERS; i++) {
      const username = `verify-${String(i).padStart(5, '0')}`;
      s.store.users.insert({ id: randomUUID(), username, username_key: username, display_name: null, email: null, created_at: Date.now() });
      const f = enrollOtpFactor(s, username, { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30 }, SYSTEM_ACTOR);
      confirmFactor(s, username, f.id, codeForStep(f.secret, currentStep()), SYSTEM_ACTOR);
      verifyUsers.push({ username, secret: f.secret });
    }
    // An admin with a console session, made the way the console does (password, then TOTP enrollment).
    const admin = await createOperator(s, { ...ADMIN, role: 'admin' }, SYSTEM_ACTOR);
    // A created operator must replace the starting password first (issue 18); this bench is about stalls, so it counts as chosen.
    s.store.operators.update(admin.id, { password_must_change: 0, password_expires_at: null });
    const step = await operatorAuth.login(s, ADMIN, { ip: null, userAgent: null });
    if (step.next !== 'enroll') throw new Error(`admin sign-in: expected the enroll step, got ${step.next}`);
    const code = generateSync({ secret: step.secret, epoch: Math.floor(Date.now() / 1000) });
    const session = operatorAuth.completeEnrollment(s, { ticket: step.ticket, code }, { ip: null, userAgent: null });
    return { verifyUsers, sessionCookie: `tessera_session=${session.sessionId}`, seedSeconds: (performance.now() - t0) / 1000 };
  } finally {
    s.store.close();
  }
}

function previewCsv(rows: number): Buffer {
  const lines = ['username,email,display_name'];
  for (let i = 0; i < rows; i++) lines.push(`import-${i},import${i}@example.org,Imported Person ${i}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- HTTP

/** The storm's loops (closed loops: each keeps the connection it has). */
const stormAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
/**
 * The probes are an application's connection pool: PROBE_SOCKETS keep-alive
 * connections opened before the first phase and taken in turn (FIFO, so none
 * idles into the server's keep-alive timeout). New connections are measured
 * on their own (freshConnection below): Node accepts one connection per turn
 * of its event loop, so during a flood of new connections a new one waits
 * behind each connection queued ahead of it, whatever the server's work.
 */
const PROBE_SOCKETS = 32;
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: PROBE_SOCKETS, scheduling: 'fifo' });

function request(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  agent: http.Agent | false = stormAgent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method,
        agent,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end(body);
  });
}

// ---------------------------------------------------------------- probes

interface ProbeStats {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  failures: number;
}

function statsOf(h: RecordableHistogram, failures: number): ProbeStats {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return h.count === 0
    ? { samples: 0, p50: 0, p99: 0, max: 0, failures }
    : { samples: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), failures };
}

/** Picks a user that has not verified in the current step, with its code: never a replay. */
class ValidCodes {
  private step = currentStep();
  private next = 0;
  constructor(private readonly users: Seeded['verifyUsers']) {}
  take(): { user: string; code: string } | null {
    const step = currentStep();
    if (step !== this.step) {
      this.step = step;
      this.next = 0;
    }
    const u = this.users[this.next++];
    return u ? { user: u.username, code: codeForStep(u.secret, step) } : null;
  }
}

/** Sends a healthz and a verify every PROBE_EVERY_MS (open loop: a stalled server does not slow the pace) for `seconds`. */
async function probe(
  server: ServerHandle,
  verifyKey: string,
  codes: ValidCodes,
  seconds: number,
): Promise<{ healthz: ProbeStats; verify: ProbeStats; freshConnection: ProbeStats; benchLoopDelayMaxMs: number }> {
  const base = new URL(server.baseUrl);
  // This process's own event-loop delay: a stalled load generator would show as server latency.
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const hz = createHistogram();
  const vf = createHistogram();
  const fresh = createHistogram();
  let hzFail = 0;
  let vfFail = 0;
  let freshFail = 0;
  const inFlight: Promise<void>[] = [];
  const phase = PHASES[probes++] ?? 'probe';
  const phaseStart = performance.now();
  const timed = async (h: RecordableHistogram, send: () => Promise<boolean>, fail: () => void) => {
    const t = process.hrtime.bigint();
    const sentAt = performance.now() - phaseStart;
    const ok = await send();
    const ns = Math.max(1, Number(process.hrtime.bigint() - t));
    h.record(ns);
    if (TRACE) traceLines.push(`${phase} ${sentAt.toFixed(0)} ${h === hz ? 'healthz' : h === vf ? 'verify' : 'fresh'} ${(ns / 1e6).toFixed(1)}`);
    if (!ok) fail();
  };
  const end = performance.now() + seconds * 1000;
  let nextFresh = 0;
  while (performance.now() < end) {
    inFlight.push(
      timed(
        hz,
        async () => (await request(base, 'GET', '/healthz', {}, undefined, probeAgent)).status === 200,
        () => hzFail++,
      ),
    );
    if (performance.now() >= nextFresh) {
      nextFresh = performance.now() + FRESH_EVERY_MS;
      inFlight.push(
        timed(
          fresh,
          async () => (await request(base, 'GET', '/healthz', { connection: 'close' }, undefined, false)).status === 200,
          () => freshFail++,
        ),
      );
    }
    const c = codes.take();
    if (c) {
      const body = JSON.stringify(c);
      inFlight.push(
        timed(
          vf,
          async () => {
            const r = await request(
              base,
              'POST',
              '/api/v1/verify',
              { authorization: `Bearer ${verifyKey}`, 'content-type': 'application/json' },
              body,
              probeAgent,
            );
            return r.status === 200 && r.body.includes('"ok":true');
          },
          () => vfFail++,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  await Promise.all(inFlight);
  lag.disable();
  return {
    healthz: statsOf(hz, hzFail),
    verify: statsOf(vf, vfFail),
    freshConnection: statsOf(fresh, freshFail),
    benchLoopDelayMaxMs: Math.round(lag.max / 1e6),
  };
}

/** Opens the probes' pool: PROBE_SOCKETS requests at once, each on its own connection, kept alive. */
async function openProbePool(server: ServerHandle): Promise<void> {
  const base = new URL(server.baseUrl);
  const answers = await Promise.all(Array.from({ length: PROBE_SOCKETS }, () => request(base, 'GET', '/healthz', {}, undefined, probeAgent)));
  const bad = answers.find((a) => a.status !== 200);
  if (bad) throw new Error(`opening the probe pool: HTTP ${bad.status} ${bad.body.slice(0, 200)}`);
}

// ---------------------------------------------------------------- the storm

/**
 * One request down each of the storm's paths before the quiet phase, as a
 * server that has been running has done: the first console sign-in, search
 * and preview compile their code (tRPC and undici's request and stream
 * classes among it) and parse source maps, about 150 ms on the event loop
 * that would otherwise land in the storm's first quarter second.
 */
async function warmStormPaths(server: ServerHandle, searchKey: string, cookie: string): Promise<void> {
  const base = new URL(server.baseUrl);
  const login = await request(
    base,
    'POST',
    '/trpc/auth.login',
    { 'content-type': 'application/json', 'x-tessera-csrf': '1' },
    JSON.stringify({ username: 'warm-up-unknown', password: 'not the password' }),
  );
  const search = await request(base, 'GET', `/api/v1/users?${new URLSearchParams({ query: WILDCARD_QUERIES[0]!, limit: '50' })}`, {
    authorization: `Bearer ${searchKey}`,
  });
  const preview = await request(base, 'POST', '/console/users/import/preview', { cookie, 'content-type': 'text/csv', 'x-tessera-csrf': '1' }, previewCsv(10));
  const got = [login.status, search.status, preview.status].join(', ');
  if (got !== '401, 200, 200') throw new Error(`warming the storm's paths: expected HTTP 401, 200, 200, got ${got}`);
}

interface StormCounts {
  searches: number;
  searchStatus: Record<string, number>;
  searchP99Ms: number;
  previews: number;
  previewSeconds: number[];
  previewStatus: Record<string, number>;
}

function startStorm(server: ServerHandle, searchKey: string, cookie: string, csv: Buffer): { stop(): Promise<StormCounts> } {
  const base = new URL(server.baseUrl);
  let stopping = false;
  const counts: StormCounts = { searches: 0, searchStatus: {}, searchP99Ms: 0, previews: 0, previewSeconds: [], previewStatus: {} };
  const searchTimes = createHistogram();
  const searcher = async (i: number) => {
    for (let n = 0; !stopping; n++) {
      const query = WILDCARD_QUERIES[(i + n) % WILDCARD_QUERIES.length]!;
      const t = process.hrtime.bigint();
      const r = await request(base, 'GET', `/api/v1/users?${new URLSearchParams({ query, limit: '50' })}`, { authorization: `Bearer ${searchKey}` });
      searchTimes.record(Math.max(1, Number(process.hrtime.bigint() - t)));
      counts.searches++;
      counts.searchStatus[r.status] = (counts.searchStatus[r.status] ?? 0) + 1;
    }
  };
  const previewer = async () => {
    while (!stopping) {
      const t = performance.now();
      const r = await request(base, 'POST', '/console/users/import/preview', { cookie, 'content-type': 'text/csv', 'x-tessera-csrf': '1' }, csv);
      counts.previewStatus[r.status] = (counts.previewStatus[r.status] ?? 0) + 1;
      if (r.status === 200) {
        counts.previews++;
        counts.previewSeconds.push((performance.now() - t) / 1000);
      } else if (r.status !== 409) {
        throw new Error(`preview: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      }
    }
  };
  const flood = startLoginFlood({ url: server.baseUrl, connections: ONLY.has('flood') ? FLOODERS : 0 });
  const loops = [...Array.from({ length: ONLY.has('search') ? SEARCHERS : 0 }, (_, i) => searcher(i)), ...(ONLY.has('preview') ? [previewer()] : [])];
  return {
    async stop() {
      stopping = true;
      const floodSummary = await flood.stop();
      await Promise.all(loops);
      counts.searchP99Ms = Math.round(searchTimes.percentile(99) / 1e4) / 100;
      return Object.assign(counts, { flood: floodSummary });
    },
  };
}

export async function run(): Promise<BenchResult> {
  const data = await makeTempDataDir('tessera-bench-stall-');
  try {
    await initDataDir(data.dir);
    const verifyKey = await createApiKey(data.dir, 'bench-verify', ['verify']);
    const searchKey = await createApiKey(data.dir, 'bench-search', ['provision', 'audit']);
    const seeded = await seed(data.dir);
    const csv = previewCsv(PREVIEW_ROWS);
    const server = await startServer({ dataDir: data.dir, host: '127.0.0.1' });
    try {
      // Seeding confirmed every factor with the code of its step: a probe in that same step would be a replay.
      await waitForStep(currentStep() + 1);
      const codes = new ValidCodes(seeded.verifyUsers);
      await openProbePool(server);
      await warmStormPaths(server, searchKey, seeded.sessionCookie);
      await probe(server, verifyKey, codes, 2); // warm-up: JIT, page cache
      const rssBefore = server.memory()?.rssKb ?? 0;
      const quiet = await probe(server, verifyKey, codes, PHASE_S);
      const storm = startStorm(server, searchKey, seeded.sessionCookie, csv);
      const busy = await probe(server, verifyKey, codes, PHASE_S);
      const counts = (await storm.stop()) as StormCounts & {
        flood: { requests: number; statusCounts: Record<string, number>; errors: number; distinctAddresses: boolean };
      };
      const mem = server.memory();
      if (TRACE) await writeFile(TRACE, `${traceLines.join('\n')}\n`);
      const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10) / 10 : 0);
      const metrics: Metric[] = [
        { label: 'seed (users, factors, admin session)', value: Math.round(seeded.seedSeconds), unit: 's' },
        { label: 'quiet: healthz p50 / p99', value: `${quiet.healthz.p50} / ${quiet.healthz.p99}`, unit: 'ms' },
        { label: 'quiet: verify p50 / p99', value: `${quiet.verify.p50} / ${quiet.verify.p99}`, unit: 'ms' },
        { label: 'storm: healthz p50 / p99 / max', value: `${busy.healthz.p50} / ${busy.healthz.p99} / ${busy.healthz.max}`, unit: 'ms' },
        { label: 'storm: verify p50 / p99 / max', value: `${busy.verify.p50} / ${busy.verify.p99} / ${busy.verify.max}`, unit: 'ms' },
        {
          label: 'healthz on a new connection, quiet p99 / storm p50 / p99',
          value: `${quiet.freshConnection.p99} / ${busy.freshConnection.p50} / ${busy.freshConnection.p99}`,
          unit: 'ms',
        },
        { label: 'storm / quiet: healthz p99', value: `${ratio(busy.healthz.p99, quiet.healthz.p99)}x`, unit: '' },
        { label: 'storm / quiet: verify p99', value: `${ratio(busy.verify.p99, quiet.verify.p99)}x`, unit: '' },
        { label: 'load generator event-loop delay max, quiet / storm', value: `${quiet.benchLoopDelayMaxMs} / ${busy.benchLoopDelayMaxMs}`, unit: 'ms' },
        { label: 'probe samples quiet / storm (verify)', value: `${quiet.verify.samples} / ${busy.verify.samples}`, unit: '' },
        {
          label: 'probe failures (healthz, verify) quiet / storm',
          value: `${quiet.healthz.failures}, ${quiet.verify.failures} / ${busy.healthz.failures}, ${busy.verify.failures} (new connections: ${busy.freshConnection.failures})`,
          unit: '',
        },
        { label: `wildcard searches (${SEARCHERS} loops): done, p99`, value: `${counts.searches}, ${counts.searchP99Ms} ms`, unit: '' },
        { label: `login flood (${FLOODERS} loops): requests by status`, value: JSON.stringify(counts.flood.statusCounts), unit: '' },
        {
          label: `${PREVIEW_ROWS.toLocaleString('en')}-row previews completed, seconds each`,
          value: `${counts.previews}: ${counts.previewSeconds.map((s) => s.toFixed(1)).join(', ') || '-'}`,
          unit: '',
        },
        {
          label: 'server RSS before storm / after / peak',
          value: `${Math.round(rssBefore / 1024)} / ${Math.round((mem?.rssKb ?? 0) / 1024)} / ${Math.round((mem?.peakRssKb ?? 0) / 1024)}`,
          unit: 'MiB',
        },
      ];
      const met = busy.verify.p99 < GOAL_VERIFY_P99_MS && busy.verify.samples > 0 && busy.verify.failures === 0 && busy.healthz.failures === 0;
      return {
        name: 'stall',
        description: `healthz and verify while ${SEARCHERS} wildcard searches, ${FLOODERS} sign-in floods and a ${PREVIEW_ROWS.toLocaleString('en')}-row preview run at once (${USERS.toLocaleString('en')} users)`,
        metrics,
        goal: { text: `verify p99 < ${GOAL_VERIFY_P99_MS} ms during the storm, no failed probe`, met },
        notes: [
          `Probes: one GET /healthz and one POST /api/v1/verify (a valid code, each user once per TOTP step, ${VERIFY_USERS.toLocaleString('en')} users) every ${PROBE_EVERY_MS} ms, open loop, ${PHASE_S} s quiet then ${PHASE_S} s storm; latency from send to the end of the answer. They go over a pool of ${PROBE_SOCKETS} keep-alive connections opened first, as an application's HTTP client does; a healthz on a new connection every ${FRESH_EVERY_MS} ms is reported on its own line (Node accepts one connection per event-loop turn, so a flood of new connections queues new ones).`,
          `Searches: ${WILDCARD_QUERIES.map((q) => JSON.stringify(q)).join(', ')}, round-robin, REST with a provision/audit key. Previews: one at a time (the per-operator limit), back to back, as the admin.`,
          `Login flood: bench/lib/loginFlood (random names, one loopback source address per loop: ${counts.flood.distinctAddresses ? 'distinct' : 'NOT distinct on this OS'}). The load generator and probes share this process; the server has its own.`,
        ],
        data: { quiet, storm: busy, counts } as unknown as Json,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await data.remove();
  }
}
