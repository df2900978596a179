/**
 * bench/postgres — valid-code verifies on SQLite and on PostgreSQL, one run.
 *
 * Phases (each: `serve` in its own process, load from here at 127.0.0.1):
 *   sqlite      one node on its SQLite file;
 *   pg          one node on PostgreSQL through libpq (the default client);
 *   pg-thread   the same node with TESSERA_PG_CLIENT=thread (pg in a worker thread);
 *   pg-2        two nodes on the same database, no balancer: half the
 *               connections go to each.
 * The cluster is server/testing/postgres.ts' with fsync and full-page writes
 * ON ({ durable: true }), and pg_stat_statements preloaded to count what the
 * nodes run. Every request is a valid code: the next user of the phase's own
 * users that has not verified in the current TOTP step (each user at most
 * once per step, never a replay), CONNECTIONS in flight. Users (TOTP factors,
 * active) are made in-process before the nodes start. During each measured
 * window: CPU seconds of the node processes, of PostgreSQL (postmaster and
 * its children, from /proc) and of this process; on PostgreSQL the
 * statements per verify, the write transactions (LOCK TABLE calls), and the
 * write lock sampled from pg_locks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestSpec } from 'autocannon';
import { base32Encode } from '../server/core/otp/secret.js';
import { createApiKey } from '../server/services/apiKeys.js';
import { SYSTEM_ACTOR, type Services } from '../server/services/index.js';
import { METHOD_MODULES } from '../server/services/methods/registry.js';
import { closeServices } from '../server/services/system.js';
import { createUser } from '../server/services/users.js';
import { postgresAvailable, postgresBinDir, startPostgres, type TestPostgres } from '../server/testing/postgres.js';
import { loadLibpq } from '../server/store/pg/libpqClient.js';
import { MASTER_KEY_FILE, openTessera } from '../server/tessera.js';
import { onCleanup } from './lib/cleanup.js';
import { envInt } from './lib/env.js';
import { isRecord } from './lib/http.js';
import { loadSummaryJson, type LoadSummary } from './lib/load.js';
import { runLoadOver } from './lib/multiLoad.js';
import { nodeEnv, startNode } from './lib/node.js';
import { PgWatch, type LockSamples, type StatementStats } from './lib/pgWatch.js';
import { processCpuSeconds, processTreeCpuSeconds } from './lib/procCpu.js';
import type { ServerHandle } from './lib/server.js';
import { formatNumber } from './lib/table.js';
import { codeForStep, currentStep } from './lib/totp.js';
import type { BenchResult, Json, Metric } from './lib/types.js';

const DEFAULT_DURATION_S = 6;
const DURATION_S = envInt('BENCH_DURATION_S', DEFAULT_DURATION_S);
const WARMUP_S = 1;
const CONNECTIONS = 32;
/**
 * Users: enough that no valid slot runs out within a TOTP step at the rates
 * seen here (reported when one does). The PostgreSQL phases share one pool
 * and one mix: a user verified in a step by one phase is not asked again in
 * that step by the next.
 */
const DEFAULT_SQLITE_USERS = 15_000;
const DEFAULT_PG_USERS = 8_000;
const SQLITE_USERS = envInt('BENCH_PG_SQLITE_USERS', DEFAULT_SQLITE_USERS);
const PG_USERS = envInt('BENCH_PG_USERS', DEFAULT_PG_USERS);
const SEED_BATCH = 250;
const LOCK_SAMPLE_MS = 2;

interface BenchUser {
  username: string;
  secret: string;
}

// ---------------------------------------------------------------- seeding

/** `count` users with an active TOTP factor (no step used yet), in transactions of SEED_BATCH. */
function seedUsers(s: Services, prefix: string, count: number): BenchUser[] {
  const out: BenchUser[] = [];
  const now = Date.now();
  for (let start = 0; start < count; start += SEED_BATCH) {
    s.store.tx(() => {
      for (let i = start; i < Math.min(count, start + SEED_BATCH); i++) {
        const username = `${prefix}-${String(i).padStart(6, '0')}`;
        createUser(s, { username }, SYSTEM_ACTOR);
        const user = s.store.users.findByKey(username);
        if (!user) throw new Error(`seed: ${username} was not created`);
        const f = METHOD_MODULES.totp.enroll(s, user, { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30 }, now);
        s.store.factors.activate(f.id, now, { last_step: 0, counter: 0 });
        out.push({ username, secret: base32Encode(f.secretBytes) });
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------- the load

/** Each request: the next user without a verify in the current step, with its code; wrong codes only once every user has had a turn. */
class ValidMix {
  private next = 0;
  private step = currentStep();
  /** Valid slots that found every user already verified in the step (sent as a wrong code instead). */
  ranOut = 0;

  constructor(private readonly users: readonly BenchUser[]) {}

  get size(): number {
    return this.users.length;
  }

  body(): { valid: boolean; body: string } {
    const step = currentStep();
    if (step !== this.step) {
      this.step = step;
      this.next = 0;
    }
    const user = this.users[this.next % this.users.length]!;
    let code = codeForStep(user.secret, step);
    const valid = this.next < this.users.length;
    if (valid) this.next++;
    else {
      this.ranOut++;
      code = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    }
    return { valid, body: `{"user":${JSON.stringify(user.username)},"code":"${code}"}` };
  }
}

interface Tally {
  accepted: number;
  refused: number;
  other: number;
  samples: string[];
}

function record(t: Tally, status: number, body: string): void {
  let ok: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    ok = isRecord(parsed) ? parsed.ok : undefined;
  } catch {
    ok = undefined;
  }
  if (status === 200 && ok === true) t.accepted++;
  else if (status === 200 && ok === false) t.refused++;
  else t.other++;
  if (!(status === 200 && ok === true) && t.samples.length < 5) t.samples.push(`${status} ${body.slice(0, 160)}`);
}

function verifyRequests(apiKey: string, mix: ValidMix, tally: Tally): RequestSpec[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/verify',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      setupRequest(req) {
        return { ...req, body: mix.body().body };
      },
      onResponse(status, body) {
        record(tally, status, body);
      },
    },
  ];
}

// ---------------------------------------------------------------- phases

interface NodeSpec {
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

interface PhaseSpec {
  name: 'sqlite' | 'pg' | 'pg-thread' | 'pg-2';
  label: string;
  nodes: NodeSpec[];
  mix: ValidMix;
  apiKey: string;
  pg?: { watch: PgWatch; cluster: TestPostgres };
}

interface PhaseResult {
  spec: PhaseSpec;
  load: LoadSummary;
  tally: Tally;
  ranOut: number;
  acceptedPerSec: number;
  cpu: { nodes: number; postgres: number; loadGenerator: number };
  /** The machine's 1-minute load average at the end of the window (other work on a shared machine shows here). */
  loadAverage: number;
  statements: StatementStats | null;
  lock: LockSamples | null;
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  console.log(`[postgres] ${spec.label}: starting ${spec.nodes.length} node(s) ...`);
  const nodes: ServerHandle[] = await Promise.all(spec.nodes.map((n) => startNode(n.dataDir, n.env)));
  try {
    const urls = nodes.map((n) => n.baseUrl);
    const { mix } = spec;
    const connectionsEach = CONNECTIONS / nodes.length;
    // Warm-up: JIT, prepared statements, connections; not measured (its users are spent for this step, as any).
    const warm: Tally = { accepted: 0, refused: 0, other: 0, samples: [] };
    await runLoadOver({ urls, connectionsEach, durationSec: WARMUP_S, requests: () => verifyRequests(spec.apiKey, mix, warm) });
    const ranOutBefore = mix.ranOut;

    await spec.pg?.watch.resetStatements();
    const cpuAt = () => ({
      nodes: nodes.reduce((s, n) => s + processCpuSeconds(n.pid), 0),
      postgres: spec.pg ? processTreeCpuSeconds(spec.pg.cluster.pid()) : 0,
      self: process.cpuUsage(),
    });
    const before = cpuAt();
    const sampler = spec.pg?.watch.sampleLock(LOCK_SAMPLE_MS);
    const tally: Tally = { accepted: 0, refused: 0, other: 0, samples: [] };
    console.log(`[postgres] ${spec.label}: ${CONNECTIONS} connections x ${DURATION_S} s ...`);
    const load = await runLoadOver({ urls, connectionsEach, durationSec: DURATION_S, requests: () => verifyRequests(spec.apiKey, mix, tally) });
    const lock = sampler ? await sampler.stop() : null;
    const after = cpuAt();
    const self = process.cpuUsage(before.self);
    const statements = spec.pg ? await spec.pg.watch.statementStats() : null;
    return {
      spec,
      load,
      tally,
      ranOut: mix.ranOut - ranOutBefore,
      acceptedPerSec: tally.accepted / load.durationSec,
      loadAverage: os.loadavg()[0] ?? 0,
      cpu: { nodes: after.nodes - before.nodes, postgres: after.postgres - before.postgres, loadGenerator: (self.user + self.system) / 1e6 },
      statements,
      lock,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

// ---------------------------------------------------------------- setup

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A data folder with a store, an API key and `count` users: made in this process, closed before the nodes start. */
function prepare(dataDir: string, env: NodeJS.ProcessEnv, databaseUrl: string | undefined, slices: { prefix: string; count: number }[]) {
  const t0 = performance.now();
  const s = openTessera({ dataDir, env, createIfNew: true, ...(databaseUrl ? { databaseUrl } : {}) });
  try {
    const apiKey = createApiKey(s, { name: 'bench', scopes: ['verify'] }, SYSTEM_ACTOR).key;
    const users = slices.map((slice) => seedUsers(s, slice.prefix, slice.count));
    return { apiKey, users, seconds: (performance.now() - t0) / 1000 };
  } finally {
    closeServices(s);
  }
}

// ---------------------------------------------------------------- report

function share(part: number, whole: number): string {
  return whole <= 0 ? '-' : `${Math.round((100 * part) / whole)}%`;
}

/** Mean time the write lock was held per write transaction, ms: held share × window / transactions. */
function holdMs(r: PhaseResult): number | null {
  if (!r.lock || !r.statements || r.statements.writeTransactions === 0) return null;
  return (r.lock.heldShare * r.load.durationSec * 1000) / r.statements.writeTransactions;
}

function phaseMetrics(r: PhaseResult): Metric[] {
  const tag = r.spec.label;
  const answered = r.tally.accepted + r.tally.refused + r.tally.other;
  const cpuTotal = r.cpu.nodes + r.cpu.postgres + r.cpu.loadGenerator;
  const rows: Metric[] = [
    { label: `${tag}: valid verifies accepted/s`, value: formatNumber(r.acceptedPerSec), unit: '/s' },
    { label: `${tag}: latency p50 / p99`, value: `${r.load.latencyMs.p50} / ${r.load.latencyMs.p99}`, unit: 'ms' },
    {
      label: `${tag}: accepted / answered (other, errors)`,
      value: `${formatNumber(r.tally.accepted)} / ${formatNumber(answered)} (${r.tally.other}, ${r.load.errors + r.load.timeouts})`,
    },
    {
      label: `${tag}: CPU s nodes / postgres / load gen`,
      value: `${r.cpu.nodes.toFixed(1)} / ${r.cpu.postgres.toFixed(1)} / ${r.cpu.loadGenerator.toFixed(1)}`,
      unit: `s of ${(2 * r.load.durationSec).toFixed(0)} core-s (db ${share(r.cpu.postgres, cpuTotal)})`,
    },
    { label: `${tag}: CPU ms per verify nodes / postgres`, value: `${cpuPer(r.cpu.nodes, r)} / ${cpuPer(r.cpu.postgres, r)}`, unit: 'ms' },
  ];
  const st = r.statements;
  if (st && r.tally.accepted > 0) {
    const hold = holdMs(r);
    rows.push(
      { label: `${tag}: statements per verify`, value: (st.calls / answered).toFixed(2) },
      { label: `${tag}: verifies per write transaction`, value: st.writeTransactions === 0 ? '-' : (answered / st.writeTransactions).toFixed(1) },
      {
        label: `${tag}: write lock held / mean hold per tx / LOCK wait`,
        value: `${share(r.lock?.heldShare ?? 0, 1)} / ${hold === null ? '-' : hold.toFixed(2)} / ${st.lockWaitMeanMs.toFixed(2)}`,
        unit: 'ms',
      },
    );
  }
  return rows;
}

function cpuPer(seconds: number, r: PhaseResult): string {
  return r.tally.accepted === 0 ? '-' : ((seconds * 1000) / r.tally.accepted).toFixed(3);
}

function phaseJson(r: PhaseResult): Json {
  return {
    name: r.spec.name,
    label: r.spec.label,
    nodes: r.spec.nodes.length,
    users: r.spec.mix.size,
    acceptedPerSec: r.acceptedPerSec,
    tally: { accepted: r.tally.accepted, refused: r.tally.refused, other: r.tally.other, samples: [...r.tally.samples] },
    ranOutValidSlots: r.ranOut,
    load: loadSummaryJson(r.load),
    cpuSeconds: { ...r.cpu },
    loadAverage: r.loadAverage,
    statements: r.statements === null ? null : { ...r.statements, top: r.statements.top.map((t) => ({ ...t })) },
    lock: r.lock === null ? null : { ...r.lock, meanHoldPerWriteTxMs: holdMs(r) },
  };
}

// ---------------------------------------------------------------- run

export async function run(): Promise<BenchResult> {
  if (!postgresAvailable()) throw new Error('PostgreSQL is not installed (apt-get install postgresql): bench/postgres needs a real server');
  const results: PhaseResult[] = [];
  let pgSeedSeconds = 0;
  const notes: string[] = [];

  // (a) SQLite, one node.
  const sqliteDir = tempDir('tessera-bench-sqlite-');
  const sqliteEnv = nodeEnv(sqliteDir, {});
  const sqlite = prepare(sqliteDir, sqliteEnv, undefined, [{ prefix: 'sq', count: SQLITE_USERS }]);
  console.log(`[postgres] SQLite: ${formatNumber(SQLITE_USERS)} users made in ${sqlite.seconds.toFixed(1)} s`);
  results.push(
    await runPhase({
      name: 'sqlite',
      label: '(a) SQLite, 1 node',
      nodes: [{ dataDir: sqliteDir, env: sqliteEnv }],
      mix: new ValidMix(sqlite.users[0]!),
      apiKey: sqlite.apiKey,
    }),
  );
  fs.rmSync(sqliteDir, { recursive: true, force: true });

  // (b), (b'), (c) on one durable cluster.
  const cluster = await startPostgres({ durable: true, settings: { shared_preload_libraries: 'pg_stat_statements' } });
  const stopCluster = onCleanup(() => {
    void cluster.stop();
  });
  try {
    const url = cluster.url;
    const shared = tempDir('tessera-bench-anchor-');
    const node1 = tempDir('tessera-bench-node1-');
    const node2 = tempDir('tessera-bench-node2-');
    const common = { TESSERA_DATABASE_URL: url, TESSERA_AUDIT_ANCHOR: path.join(shared, 'audit.anchor') };
    const pg = prepare(node1, nodeEnv(node1, common), url, [{ prefix: 'pg', count: PG_USERS }]);
    pgSeedSeconds = pg.seconds;
    const pgMix = new ValidMix(pg.users[0]!);
    console.log(`[postgres] PostgreSQL: ${formatNumber(PG_USERS)} users made in ${pg.seconds.toFixed(1)} s`);
    // The second node joins with a copy of the first one's master key, as the README says.
    fs.copyFileSync(path.join(node1, MASTER_KEY_FILE), path.join(node2, MASTER_KEY_FILE));
    fs.chmodSync(path.join(node2, MASTER_KEY_FILE), 0o600);
    const watch = await PgWatch.open(url);
    if (!watch.statements) notes.push('pg_stat_statements is not available (postgresql-contrib): no statement counts.');
    const pgCtx = { watch, cluster };
    try {
      const n1 = { dataDir: node1, env: nodeEnv(node1, common) };
      const n1thread = { dataDir: node1, env: nodeEnv(node1, { ...common, TESSERA_PG_CLIENT: 'thread' }) };
      const n2 = { dataDir: node2, env: nodeEnv(node2, common) };
      results.push(await runPhase({ name: 'pg', label: '(b) PostgreSQL, 1 node', nodes: [n1], mix: pgMix, apiKey: pg.apiKey, pg: pgCtx }));
      results.push(
        await runPhase({ name: 'pg-thread', label: "(b') PG, 1 node, pg in a thread", nodes: [n1thread], mix: pgMix, apiKey: pg.apiKey, pg: pgCtx }),
      );
      results.push(await runPhase({ name: 'pg-2', label: '(c) PostgreSQL, 2 nodes', nodes: [n1, n2], mix: pgMix, apiKey: pg.apiKey, pg: pgCtx }));
    } finally {
      await watch.close();
    }
  } finally {
    await cluster.stop();
    stopCluster();
  }

  const by = (name: PhaseResult['spec']['name']) => results.find((r) => r.spec.name === name)!;
  const [a, b, bt, c] = [by('sqlite'), by('pg'), by('pg-thread'), by('pg-2')];
  const ratio = (x: PhaseResult, y: PhaseResult) => (y.acceptedPerSec === 0 ? 0 : x.acceptedPerSec / y.acceptedPerSec);
  const metrics: Metric[] = [
    ...results.flatMap(phaseMetrics),
    { label: 'ratio PG 1 node / SQLite', value: ratio(b, a).toFixed(2) },
    { label: 'ratio PG 2 nodes / PG 1 node', value: ratio(c, b).toFixed(2) },
    { label: 'ratio libpq / pg in a thread (1 node)', value: ratio(b, bt).toFixed(2) },
  ];
  // CPU per accepted verify is steadier than the rates when other work shares the machine.
  const cpuMs = (r: PhaseResult) => (r.tally.accepted === 0 ? 0 : ((r.cpu.nodes + r.cpu.postgres) * 1000) / r.tally.accepted);
  const nodeMs = (r: PhaseResult) => (r.tally.accepted === 0 ? 0 : (r.cpu.nodes * 1000) / r.tally.accepted);
  notes.push(
    `CPU per accepted verify (nodes + PostgreSQL): SQLite ${cpuMs(a).toFixed(2)} ms, PostgreSQL ${cpuMs(b).toFixed(2)} ms (${(cpuMs(b) / (cpuMs(a) || 1)).toFixed(1)}x; ` +
      `PostgreSQL's own part ${share(b.cpu.postgres, b.cpu.nodes + b.cpu.postgres)}), two nodes ${cpuMs(c).toFixed(2)} ms; the node's CPU per verify through libpq ` +
      `${nodeMs(b).toFixed(2)} ms against ${nodeMs(bt).toFixed(2)} ms through pg in a thread.`,
  );
  const busiest = Math.max(...results.map((r) => r.loadAverage));
  notes.push(
    `machine load (1-minute load average at the end of each phase): ${results.map((r) => `${r.spec.name} ${r.loadAverage.toFixed(1)}`).join(', ')} on ${os.cpus().length} cores` +
      (busiest > os.cpus().length ? ' — other work was running: every figure here is starved and only the ratios and per-verify counts mean much.' : '.'),
  );
  for (const r of results) {
    if (r.ranOut > 0) notes.push(`${r.spec.label}: ${formatNumber(r.ranOut)} requests found every user already verified in the step (sent as wrong codes).`);
    if (r.tally.samples.length > 0) notes.push(`${r.spec.label}: not accepted (samples): ${r.tally.samples.join(' | ')}`);
  }
  const hold = holdMs(b);
  const perTx = b.statements && b.statements.writeTransactions > 0 ? (b.tally.accepted + b.tally.refused) / b.statements.writeTransactions : null;
  notes.push(
    `load: every request a valid code, each user at most once per TOTP step, ${CONNECTIONS} connections in flight (16 to each node in (c), no balancer), ` +
      `${WARMUP_S} s warm-up then ${DURATION_S} s measured; users made in-process (active TOTP factors) before the nodes start. ` +
      `SQLite at its default (WAL, synchronous=NORMAL: no fsync per commit); ` +
      `PostgreSQL ${path.basename(path.dirname(postgresBinDir() ?? ''))}: the test cluster with fsync and full_page_writes ON, on this machine's disk, loopback TCP with scram.`,
    `CPU: /proc utime+stime during the measured window — the node process(es), PostgreSQL's postmaster with its children (and what it reaped), and this process (autocannon). ` +
      `This machine has ${os.cpus().length} cores, shared by the load generator, the node(s) and PostgreSQL.`,
    `statements per verify: pg_stat_statements calls (BEGIN; LOCK; SAVEPOINT/RELEASE per verify in a group commit; NOTIFY; COMMIT included) / verifies answered; ` +
      `write transactions = calls of LOCK TABLE tessera_write_lock. Write lock: pg_locks sampled every ${LOCK_SAMPLE_MS} ms (plus the query's own time) from this process; ` +
      `mean hold per transaction = held share x window / write transactions; "LOCK wait" is LOCK TABLE's mean execution time, i.e. the wait for the lock.`,
    `what a larger machine would show: on ${os.cpus().length} cores the load generator, the nodes and PostgreSQL compete for the same cores, so (c) cannot show scaling — ` +
      `a second node only splits the same CPU. With a core or more per node and a separate database host, verifies scale with nodes until the cluster-wide write lock ` +
      `is busy all the time: every verify runs inside a write transaction that holds it (group commit puts a batch in one), so the ceiling is about ` +
      `(verifies per transaction) / (hold time per transaction)` +
      (hold !== null && perTx !== null
        ? ` — here ${perTx.toFixed(1)} verifies per transaction held ${hold.toFixed(2)} ms on one node, about ${formatNumber(Math.round((perTx * 1000) / hold), 0)} verifies/s for the whole deployment at this batching. ` +
          `Put another way, one node alone held the lock ${share(b.lock?.heldShare ?? 0, 1)} of the time (a verify does nearly all its work inside its transaction), ` +
          `so more nodes can add at most about ${(1 / Math.max(b.lock?.heldShare ?? 1, 0.01)).toFixed(1)}x at this batching, however many cores they get. `
        : '. ') +
      `The hold time is the node's own work inside the transaction (HMAC, audit entries, signing the head), its round trips, and on a starved machine the time the holder ` +
      `waits for a core: a faster node and a database close by shorten it, and batches grow under load, which raises the ceiling (so it is a rough figure). ` +
      `A second node adds availability first, throughput only up to that ceiling.`,
  );
  if (DURATION_S !== DEFAULT_DURATION_S || SQLITE_USERS !== DEFAULT_SQLITE_USERS || PG_USERS !== DEFAULT_PG_USERS) {
    notes.push(`WARNING: overridden by env: ${DURATION_S} s, ${SQLITE_USERS} SQLite users, ${PG_USERS} PostgreSQL users.`);
  }
  return {
    name: 'postgres',
    description: `valid-code POST /api/v1/verify, ${CONNECTIONS} in flight x ${DURATION_S} s: SQLite 1 node, PostgreSQL 1 node (libpq, and pg in a thread), PostgreSQL 2 nodes`,
    metrics,
    notes,
    data: {
      durationSec: DURATION_S,
      warmupSec: WARMUP_S,
      connections: CONNECTIONS,
      libpqAddon: loadLibpq() !== null,
      seedSeconds: { sqlite: sqlite.seconds, postgres: pgSeedSeconds },
      phases: results.map(phaseJson),
      ratios: { pg1OverSqlite: ratio(b, a), pg2OverPg1: ratio(c, b), libpqOverThread: ratio(b, bt) },
    },
  };
}
