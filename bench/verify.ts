/**
 * bench/verify — verify throughput.
 *
 * Seeds USERS users with a confirmed TOTP factor through the REST API, then
 * drives POST /api/v1/verify with autocannon (CONNECTIONS connections,
 * DURATION_S seconds) with a mix of valid and wrong codes, then GET /healthz
 * the same way as the ceiling. The server runs in its own process; the load
 * generator runs here, so the two use different cores.
 */
import type { RequestSpec } from 'autocannon';
import { envInt } from './lib/env.js';
import { ApiClient, expectStatus, isRecord, mapPool } from './lib/http.js';
import { loadSummaryJson, runLoad, type LoadSummary } from './lib/load.js';
import { withBenchServer, type BenchServer, type MemoryStatus } from './lib/server.js';
import { formatNumber } from './lib/table.js';
import { codeForStep, currentStep, waitForStep } from './lib/totp.js';
import type { BenchResult, Json, Metric } from './lib/types.js';

const DEFAULT_USERS = 10_000;
const DEFAULT_DURATION_S = 10;
const USERS = envInt('BENCH_VERIFY_USERS', DEFAULT_USERS);
const DURATION_S = envInt('BENCH_DURATION_S', DEFAULT_DURATION_S);
const CONNECTIONS = 32;
const SEED_CONCURRENCY = 64;
/** One request in VALID_EVERY is a valid-code slot; see describeMix(). */
const VALID_EVERY = 5;
const GOAL = { verifiesPerSec: 5_000, p99Ms: 20 };

// ---------------------------------------------------------------- seeding

interface SeededUser {
  username: string;
  /** Base32 TOTP secret; kept in memory only. */
  secret: string;
  /** TOTP step of the code that confirmed the factor (already used). */
  confirmStep: number;
}

function usernameFor(index: number): string {
  return `bench-${String(index).padStart(6, '0')}`;
}

function readFactor(body: unknown): { id: string; secret: string } {
  if (isRecord(body) && typeof body.id === 'string' && typeof body.secret === 'string') {
    return { id: body.id, secret: body.secret };
  }
  throw new Error(`create factor: unexpected body ${JSON.stringify(body)}`);
}

/** Confirm with the current code; one retry covers a step boundary between generate and check. */
async function confirmFactor(api: ApiClient, path: string, secret: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const step = currentStep();
    const res = await api.request('POST', `${path}/confirm`, { code: codeForStep(secret, step) });
    if (res.status === 200) return step;
    if (attempt >= 1) expectStatus(`confirm ${path}`, res, 200);
  }
}

async function seedUser(api: ApiClient, username: string): Promise<SeededUser> {
  const user = encodeURIComponent(username);
  expectStatus(`create user ${username}`, await api.request('POST', '/users', { username }), 201);
  const created = await api.request('POST', `/users/${user}/factors`, { type: 'totp' });
  expectStatus(`create factor for ${username}`, created, 201);
  const { id, secret } = readFactor(created.body);
  const confirmStep = await confirmFactor(api, `/users/${user}/factors/${encodeURIComponent(id)}`, secret);
  return { username, secret, confirmStep };
}

async function seedUsers(api: ApiClient, names: string[]): Promise<{ users: SeededUser[]; seconds: number }> {
  const started = performance.now();
  const users = await mapPool(names, SEED_CONCURRENCY, (name) => seedUser(api, name));
  return { users, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------- the mix

type Kind = 'valid' | 'wrong';

function describeMix(users: number): string {
  return (
    `every ${ordinal(VALID_EVERY)} request is a valid-code slot (target ${Math.round(100 / VALID_EVERY)}% valid): ` +
    `it goes to the next of the ${formatNumber(users)} users that has not verified in the current TOTP step, ` +
    `with its code for that step (each user at most once per step, so never a replay); when every user has ` +
    `verified in this step the slot becomes a wrong code. The other requests send wrong codes round-robin over ` +
    `all users (never one of the user's codes for steps S-1..S+2), so each user sees few failures in a row`
  );
}

function ordinal(n: number): string {
  return n === 1 ? '' : `${n}th`;
}

/** Precomputed codes; decides and builds the body of each verify request. */
class VerifyMix {
  private sent = 0;
  private wrongNext = 0;
  private validNext = 0;
  private validStep: number;
  /** Valid slots that became wrong codes because every user had verified in the step. */
  downgraded = 0;
  readonly sentByKind: Record<Kind, number> = { valid: 0, wrong: 0 };
  private readonly valid: string[][];
  private readonly forbidden: string[][];

  constructor(
    private readonly users: readonly SeededUser[],
    private readonly baseStep: number,
  ) {
    // Codes for S and S+1 (a 10 s run spans at most one boundary); wrong codes avoid S-1..S+2.
    this.forbidden = users.map((u) => [-1, 0, 1, 2].map((d) => codeForStep(u.secret, baseStep + d)));
    this.valid = this.forbidden.map((codes) => codes.slice(1, 3));
    this.validStep = baseStep;
  }

  next(): { kind: Kind; body: string } {
    const validSlot = this.sent++ % VALID_EVERY === 0;
    const valid = validSlot ? this.takeValid() : undefined;
    if (validSlot && valid === undefined) this.downgraded++;
    const kind: Kind = valid === undefined ? 'wrong' : 'valid';
    this.sentByKind[kind]++;
    const { index, code } = valid ?? this.takeWrong();
    const user = this.users[index] as SeededUser;
    return { kind, body: `{"user":${JSON.stringify(user.username)},"code":"${code}"}` };
  }

  /** Next user without a verification in the current step, with its current code. */
  private takeValid(): { index: number; code: string } | undefined {
    const step = currentStep();
    if (step !== this.validStep) {
      this.validStep = step;
      this.validNext = 0;
    }
    if (this.validNext >= this.users.length) return undefined;
    const index = this.validNext++;
    const precomputed = this.valid[index]?.[step - this.baseStep];
    return { index, code: precomputed ?? codeForStep((this.users[index] as SeededUser).secret, step) };
  }

  private takeWrong(): { index: number; code: string } {
    const n = this.wrongNext++;
    const index = n % this.users.length;
    const round = Math.floor(n / this.users.length);
    const forbidden = this.forbidden[index] ?? [];
    let value = (Number(forbidden[1]) + 1 + round * 104_729) % 1_000_000;
    let code = String(value).padStart(6, '0');
    while (forbidden.includes(code)) {
      value = (value + 1) % 1_000_000;
      code = String(value).padStart(6, '0');
    }
    return { index, code };
  }
}

// ---------------------------------------------------------------- response tally

type Outcome = 'ok' | 'invalid_code' | 'refused_other' | 'throttled_429' | 'locked_423' | 'other';
const OUTCOMES: Outcome[] = ['ok', 'invalid_code', 'refused_other', 'throttled_429', 'locked_423', 'other'];

function classify(status: number, body: string): Outcome {
  if (status === 429) return 'throttled_429';
  if (status === 423) return 'locked_423';
  if (status !== 200) return 'other';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch {
    return 'other';
  }
  if (!isRecord(parsed)) return 'other';
  if (parsed.ok === true) return 'ok';
  if (parsed.ok === false) return parsed.reason === 'invalid_code' ? 'invalid_code' : 'refused_other';
  return 'other';
}

function emptyCounts(): Record<Outcome, number> {
  return { ok: 0, invalid_code: 0, refused_other: 0, throttled_429: 0, locked_423: 0, other: 0 };
}

class ResponseTally {
  readonly byKind: Record<Kind, Record<Outcome, number>> = { valid: emptyCounts(), wrong: emptyCounts() };
  readonly samples: string[] = [];

  record(kind: Kind, status: number, body: string): void {
    const outcome = classify(status, body);
    this.byKind[kind][outcome]++;
    const unexpected = outcome === 'other' || outcome === 'refused_other' || (kind === 'wrong' && outcome === 'ok');
    if (unexpected && this.samples.length < 5) this.samples.push(`${kind} -> ${status} ${body.slice(0, 200)}`);
  }

  total(outcome: Outcome): number {
    return this.byKind.valid[outcome] + this.byKind.wrong[outcome];
  }

  answered(kind: Kind): number {
    return OUTCOMES.reduce((sum, o) => sum + this.byKind[kind][o], 0);
  }
}

function verifyRequest(authorization: string, mix: VerifyMix, tally: ResponseTally): RequestSpec {
  return {
    method: 'POST',
    path: '/api/v1/verify',
    headers: { authorization, 'content-type': 'application/json' },
    setupRequest(req, context) {
      const { kind, body } = mix.next();
      context.kind = kind; // autocannon resets the context before each request
      return { ...req, body };
    },
    onResponse(status, body, context) {
      tally.record(context.kind === 'valid' ? 'valid' : 'wrong', status, body);
    },
  };
}

// ---------------------------------------------------------------- phases

/** A user outside the measured set proves the bench's assumptions before the load. */
async function preflight(api: ApiClient, user: SeededUser): Promise<void> {
  const code = codeForStep(user.secret, currentStep());
  const first = await api.request('POST', '/verify', { user: user.username, code });
  if (first.status !== 200 || !isRecord(first.body) || first.body.ok !== true) {
    throw new Error(`preflight: a valid code was not accepted: ${first.status} ${JSON.stringify(first.body)}`);
  }
  const replay = await api.request('POST', '/verify', { user: user.username, code });
  if (replay.status !== 200 || !isRecord(replay.body) || replay.body.ok !== false) {
    throw new Error(`preflight: a replayed code was not refused: ${replay.status} ${JSON.stringify(replay.body)}`);
  }
}

interface Measurements {
  seedSeconds: number;
  stepWaitSeconds: number;
  verify: LoadSummary;
  ceiling: LoadSummary;
  tally: ResponseTally;
  mix: VerifyMix;
  memory: MemoryStatus | undefined;
}

async function measure({ server, apiKey }: BenchServer): Promise<Measurements> {
  const api = new ApiClient(server.baseUrl, apiKey);
  console.log(`[verify] server pid ${server.pid} at ${server.baseUrl}; seeding ${formatNumber(USERS)} users ...`);
  const names = [...Array.from({ length: USERS }, (_, i) => usernameFor(i)), 'bench-preflight'];
  const seeded = await seedUsers(api, names);
  const preflightUser = seeded.users.pop() as SeededUser;
  const users = seeded.users;
  console.log(`[verify] seeded in ${seeded.seconds.toFixed(1)} s`);

  // Every confirmation code is spent: start on a later step so no valid code is a replay.
  const lastConfirm = Math.max(...seeded.users.map((u) => u.confirmStep), preflightUser.confirmStep);
  const waitMs = await waitForStep(lastConfirm + 1);
  await preflight(api, preflightUser);

  const mix = new VerifyMix(users, currentStep());
  const tally = new ResponseTally();
  const authorization = `Bearer ${apiKey}`;
  console.log(`[verify] POST /api/v1/verify: ${CONNECTIONS} connections, ${DURATION_S} s ...`);
  const verify = await runLoad({
    url: server.baseUrl,
    connections: CONNECTIONS,
    durationSec: DURATION_S,
    requests: [verifyRequest(authorization, mix, tally)],
  });
  console.log(`[verify] GET /healthz (ceiling): ${CONNECTIONS} connections, ${DURATION_S} s ...`);
  const ceiling = await runLoad({ url: `${server.baseUrl}/healthz`, connections: CONNECTIONS, durationSec: DURATION_S });
  return { seedSeconds: seeded.seconds, stepWaitSeconds: waitMs / 1000, verify, ceiling, tally, mix, memory: server.memory() };
}

// ---------------------------------------------------------------- report

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function buildMetrics(m: Measurements, verifiesPerSec: number, ratio: number): Metric[] {
  const { verify, ceiling, tally, mix } = m;
  const sent = mix.sentByKind.valid + mix.sentByKind.wrong;
  const answered = tally.answered('valid') + tally.answered('wrong');
  const peakMb = m.memory === undefined ? 'n/a' : formatNumber(m.memory.peakRssKb / 1024);
  return [
    { label: 'users seeded (REST, 64 in flight)', value: formatNumber(USERS) },
    { label: 'seeding time', value: formatNumber(m.seedSeconds), unit: `s (${formatNumber((USERS * 3) / m.seedSeconds, 0)} req/s)` },
    { label: 'mix sent (valid / wrong)', value: `${pct(mix.sentByKind.valid, sent)} / ${pct(mix.sentByKind.wrong, sent)}` },
    { label: 'verify req/s (mean)', value: formatNumber(verify.reqPerSec), unit: 'req/s' },
    { label: 'verifications/s (200 responses)', value: formatNumber(verifiesPerSec), unit: '/s' },
    { label: 'verify latency p50 / p99 / p99.9', value: `${verify.latencyMs.p50} / ${verify.latencyMs.p99} / ${verify.latencyMs.p99_9}`, unit: 'ms' },
    { label: 'verify latency mean / max', value: `${formatNumber(verify.latencyMs.mean, 2)} / ${verify.latencyMs.max}`, unit: 'ms' },
    { label: 'responses answered / requests', value: `${formatNumber(answered)} / ${formatNumber(verify.totalRequests)}` },
    { label: '200 ok:true', value: `${formatNumber(tally.total('ok'))} (${pct(tally.total('ok'), answered)})` },
    { label: '200 ok:false invalid_code', value: `${formatNumber(tally.total('invalid_code'))} (${pct(tally.total('invalid_code'), answered)})` },
    { label: '200 ok:false other reason', value: formatNumber(tally.total('refused_other')) },
    { label: '429 throttled', value: formatNumber(tally.total('throttled_429')) },
    { label: '423 locked', value: formatNumber(tally.total('locked_423')) },
    { label: 'other status / errors / timeouts', value: `${formatNumber(tally.total('other'))} / ${verify.errors} / ${verify.timeouts}` },
    { label: 'valid codes accepted', value: `${formatNumber(tally.byKind.valid.ok)} / ${formatNumber(tally.answered('valid'))}` },
    { label: 'wrong codes accepted (must be 0)', value: formatNumber(tally.byKind.wrong.ok) },
    { label: 'verify non-2xx', value: formatNumber(verify.non2xx) },
    { label: 'ceiling GET /healthz req/s (mean)', value: formatNumber(ceiling.reqPerSec), unit: 'req/s' },
    { label: 'ceiling latency p50 / p99', value: `${ceiling.latencyMs.p50} / ${ceiling.latencyMs.p99}`, unit: 'ms' },
    { label: 'ratio verify / ceiling', value: ratio.toFixed(3) },
    { label: 'server peak RSS (VmHWM)', value: peakMb, unit: 'MB' },
  ];
}

function tallyJson(tally: ResponseTally): Json {
  return { valid: { ...tally.byKind.valid }, wrong: { ...tally.byKind.wrong }, unexpectedSamples: [...tally.samples] };
}

function buildNotes(m: Measurements): string[] {
  const notes = [
    `mix: ${describeMix(USERS)}.`,
    `goal counts only 200 responses (real verify decisions) per second of the run; p99 is over all verify responses.`,
    `seeding = POST /users + POST /factors + POST /factors/{id}/confirm per user; then waited ${m.stepWaitSeconds.toFixed(1)} s ` +
      `for the next TOTP step so no valid code repeats a confirmation code; one extra user checked "valid accepted, replay refused" first.`,
    `server: separate process (node --import tsx server/cli/main.ts serve); load: autocannon in the bench process.`,
  ];
  if (m.mix.downgraded > 0) {
    notes.push(`${formatNumber(m.mix.downgraded)} valid slots became wrong codes: every user had already verified in that TOTP step.`);
  }
  if (USERS !== DEFAULT_USERS || DURATION_S !== DEFAULT_DURATION_S) {
    notes.push(`WARNING: overridden by env: ${USERS} users, ${DURATION_S} s (issue spec: ${DEFAULT_USERS}, ${DEFAULT_DURATION_S} s).`);
  }
  if (m.tally.samples.length > 0) notes.push(`unexpected responses (samples): ${m.tally.samples.join(' | ')}`);
  return notes;
}

export async function run(): Promise<BenchResult> {
  const m = await withBenchServer(['verify', 'provision', 'audit'], measure);
  const decided = m.tally.total('ok') + m.tally.total('invalid_code') + m.tally.total('refused_other');
  const rate = decided / m.verify.durationSec;
  const ratio = m.ceiling.reqPerSec === 0 ? 0 : m.verify.reqPerSec / m.ceiling.reqPerSec;
  const met = rate >= GOAL.verifiesPerSec && m.verify.latencyMs.p99 < GOAL.p99Ms && m.tally.byKind.wrong.ok === 0;
  return {
    name: 'verify',
    description: `POST /api/v1/verify, ${USERS} TOTP users, ${CONNECTIONS} connections x ${DURATION_S} s; ceiling GET /healthz`,
    metrics: buildMetrics(m, rate, ratio),
    goal: { text: `>= ${GOAL.verifiesPerSec} verifies/s and p99 < ${GOAL.p99Ms} ms`, met },
    notes: buildNotes(m),
    data: {
      users: USERS,
      connections: CONNECTIONS,
      durationSec: DURATION_S,
      seedSeconds: m.seedSeconds,
      stepWaitSeconds: m.stepWaitSeconds,
      mix: { description: describeMix(USERS), sent: { ...m.mix.sentByKind }, downgradedValidSlots: m.mix.downgraded },
      verifiesPerSec: rate,
      verify: loadSummaryJson(m.verify),
      responses: tallyJson(m.tally),
      ceiling: loadSummaryJson(m.ceiling),
      ratio,
      serverMemoryKb: m.memory === undefined ? null : { peakRss: m.memory.peakRssKb, rss: m.memory.rssKb },
      goal: { verifiesPerSec: GOAL.verifiesPerSec, p99Ms: GOAL.p99Ms, met },
    },
  };
}
