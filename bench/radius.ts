/**
 * bench/radius — Access-Requests per second and p99 at 32 in flight, beside
 * REST verify in the same run (same server process, same kind of load).
 *
 * One server (`serve` in its own process) with RADIUS on a free UDP port and
 * one RADIUS client (127.0.0.1, mode code, Message-Authenticator required).
 * 2 × USERS users with an active TOTP factor are made in-process before it
 * starts; the first half takes the REST load, the second the RADIUS load, so
 * neither phase sees the other's failure counts. Both phases use one mix:
 * every 5th request a valid code (the next user that has not signed in this
 * TOTP step), the rest wrong codes round-robin.
 *   REST:   POST /api/v1/verify with autocannon, 32 connections.
 *   RADIUS: PAP Access-Requests (User-Password = the code, with
 *           Message-Authenticator, encoded by the radius package) from one
 *           UDP socket, 32 outstanding at any time; a reply is matched by its
 *           identifier and checked (Response Authenticator) before it counts.
 */
import dgram from 'node:dgram';
import { createHistogram } from 'node:perf_hooks';
import radius from 'radius';
import { base32Encode } from '../server/core/otp/secret.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { METHOD_MODULES } from '../server/services/methods/registry.js';
import { addRadiusClient } from '../server/services/radius/clients.js';
import { createUser } from '../server/services/users.js';
import { peekData } from '../server/testing/harness.js';
import { envInt } from './lib/env.js';
import { isRecord } from './lib/http.js';
import { loadSummaryJson, runLoad, type LoadSummary } from './lib/load.js';
import { createApiKey, initDataDir, makeTempDataDir, startServer } from './lib/server.js';
import { formatNumber } from './lib/table.js';
import { codeForStep, currentStep } from './lib/totp.js';
import type { BenchResult, Json } from './lib/types.js';

const DEFAULT_USERS = 3000;
const DEFAULT_DURATION_S = 10;
const USERS = envInt('BENCH_RADIUS_USERS', DEFAULT_USERS);
const DURATION_S = envInt('BENCH_DURATION_S', DEFAULT_DURATION_S);
const IN_FLIGHT = 32;
const VALID_EVERY = 5;
const SECRET = 'bench-radius-shared-secret-2026';
/** A request without a reply after this long is counted lost (the server drops nothing it can answer, so it should be 0). */
const REPLY_TIMEOUT_MS = 3000;

interface BenchUser {
  username: string;
  secret: string;
}

/** Users with an active TOTP factor (any current step is free), and the RADIUS client, before the server starts. */
function seed(dataDir: string): { rest: BenchUser[]; radius: BenchUser[]; seconds: number } {
  const started = performance.now();
  const users = peekData(dataDir, (s) => {
    addRadiusClient(s, { name: 'bench-nas', address: '127.0.0.1', secret: SECRET, mode: 'code' }, SYSTEM_ACTOR);
    const now = Date.now();
    const out: BenchUser[] = [];
    for (let i = 0; i < 2 * USERS; i++) {
      const username = `rad-${String(i).padStart(6, '0')}`;
      createUser(s, { username }, SYSTEM_ACTOR);
      const secret = s.store.tx(() => {
        const f = METHOD_MODULES.totp.enroll(s, s.store.users.findByKey(username)!, { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30 }, now);
        s.store.factors.activate(f.id, now, { last_step: 0, counter: 0 });
        return base32Encode(f.secretBytes);
      });
      out.push({ username, secret });
    }
    return out;
  });
  return { rest: users.slice(0, USERS), radius: users.slice(USERS), seconds: (performance.now() - started) / 1000 };
}

type Kind = 'valid' | 'wrong';

/** The same mix for both protocols: each user's valid code at most once per step (never a replay), wrong codes never one of theirs. */
class Mix {
  private sent = 0;
  private validNext = 0;
  private validStep = currentStep();
  private wrongNext = 0;
  readonly sentByKind: Record<Kind, number> = { valid: 0, wrong: 0 };

  constructor(private readonly users: readonly BenchUser[]) {}

  next(): { kind: Kind; user: BenchUser; code: string } {
    const step = currentStep();
    if (step !== this.validStep) {
      this.validStep = step;
      this.validNext = 0;
    }
    if (this.sent++ % VALID_EVERY === 0 && this.validNext < this.users.length) {
      const user = this.users[this.validNext++]!;
      this.sentByKind.valid++;
      return { kind: 'valid', user, code: codeForStep(user.secret, step) };
    }
    const n = this.wrongNext++;
    const user = this.users[n % this.users.length]!;
    const mine = [-1, 0, 1].map((d) => codeForStep(user.secret, step + d));
    let value = (n * 7919 + 123_457) % 1_000_000;
    let code = String(value).padStart(6, '0');
    while (mine.includes(code)) code = String((value = (value + 1) % 1_000_000)).padStart(6, '0');
    this.sentByKind.wrong++;
    return { kind: 'wrong', user, code };
  }
}

type Outcome = 'accepted' | 'wrong_code' | 'throttled' | 'other' | 'lost';

interface Tally {
  valid: Record<Outcome, number>;
  wrong: Record<Outcome, number>;
  samples: string[];
}

function emptyTally(): Tally {
  const zero = (): Record<Outcome, number> => ({ accepted: 0, wrong_code: 0, throttled: 0, other: 0, lost: 0 });
  return { valid: zero(), wrong: zero(), samples: [] };
}

function record(t: Tally, kind: Kind, outcome: Outcome, sample: string): void {
  t[kind][outcome]++;
  const unexpected = outcome === 'other' || outcome === 'lost' || (kind === 'wrong' && outcome === 'accepted');
  if (unexpected && t.samples.length < 5) t.samples.push(`${kind} -> ${sample}`);
}

function total(t: Tally, o: Outcome): number {
  return t.valid[o] + t.wrong[o];
}

function restOutcome(status: number, body: string): Outcome {
  if (status === 429 || status === 423) return 'throttled';
  if (status !== 200) return 'other';
  try {
    const parsed: unknown = JSON.parse(body);
    if (!isRecord(parsed)) return 'other';
    if (parsed.ok === true) return 'accepted';
    return parsed.reason === 'invalid_code' ? 'wrong_code' : parsed.reason === 'throttled' || parsed.reason === 'locked' ? 'throttled' : 'other';
  } catch {
    return 'other';
  }
}

function replyMessage(packet: Buffer): string {
  for (let at = 20; at + 2 <= packet.length; at += packet[at + 1]! || 1) {
    if (packet[at] === 18) return packet.subarray(at + 2, at + packet[at + 1]!).toString('utf8');
  }
  return '';
}

async function restPhase(baseUrl: string, apiKey: string, users: BenchUser[]): Promise<{ load: LoadSummary; mix: Mix; tally: Tally }> {
  const mix = new Mix(users);
  const tally = emptyTally();
  const load = await runLoad({
    url: baseUrl,
    connections: IN_FLIGHT,
    durationSec: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/verify',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        setupRequest(req, context) {
          const { kind, user, code } = mix.next();
          context.kind = kind;
          return { ...req, body: `{"user":${JSON.stringify(user.username)},"code":"${code}"}` };
        },
        onResponse(status, body, context) {
          record(tally, context.kind === 'valid' ? 'valid' : 'wrong', restOutcome(status, body), `${status} ${body.slice(0, 120)}`);
        },
      },
    ],
  });
  return { load, mix, tally };
}

interface RadiusPhase {
  mix: Mix;
  tally: Tally;
  requests: number;
  seconds: number;
  perSec: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  badResponseAuthenticator: number;
}

async function radiusPhase(port: number, users: BenchUser[]): Promise<RadiusPhase> {
  const mix = new Mix(users);
  const tally = emptyTally();
  const histogram = createHistogram();
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const pending = new Map<number, (reply: Buffer) => void>();
  socket.on('message', (m) => pending.get(m[1]!)?.(m));
  let nextId = 0;
  let badResponseAuthenticator = 0;
  let requests = 0;

  const one = async (): Promise<void> => {
    const { kind, user, code } = mix.next();
    let id = nextId++ & 0xff;
    while (pending.has(id)) id = nextId++ & 0xff;
    const packet = radius.encode({
      code: 'Access-Request',
      secret: SECRET,
      identifier: id,
      attributes: [
        ['User-Name', user.username],
        ['User-Password', code],
      ],
      add_message_authenticator: true,
    });
    const started = performance.now();
    const reply = await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(null);
      }, REPLY_TIMEOUT_MS);
      pending.set(id, (m) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(m);
      });
      socket.send(packet, port, '127.0.0.1');
    });
    requests++;
    if (!reply) return record(tally, kind, 'lost', 'no reply');
    histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
    if (!radius.verify_response({ request: packet, response: reply, secret: SECRET })) {
      badResponseAuthenticator++;
      return record(tally, kind, 'other', 'bad response authenticator');
    }
    const message = reply[0] === 3 ? replyMessage(reply) : '';
    const outcome: Outcome =
      reply[0] === 2 ? 'accepted' : message === 'Wrong code' ? 'wrong_code' : message.startsWith('Too many wrong codes') ? 'throttled' : 'other';
    record(tally, kind, outcome, `code ${reply[0]} "${message}"`);
  };

  const t0 = performance.now();
  const deadline = t0 + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  socket.close();
  const ms = (us: number) => Math.round((us / 1000) * 100) / 100;
  return {
    mix,
    tally,
    requests,
    seconds,
    perSec: requests / seconds,
    latencyMs: {
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      p99_9: ms(histogram.percentile(99.9)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
    },
    badResponseAuthenticator,
  };
}

/** A UDP port nobody holds right now (the server binds it a moment later). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function tallyJson(t: Tally): Json {
  return { valid: { ...t.valid }, wrong: { ...t.wrong }, samples: [...t.samples] };
}

export async function run(): Promise<BenchResult> {
  const data = await makeTempDataDir();
  try {
    await initDataDir(data.dir);
    const apiKey = await createApiKey(data.dir, 'bench', ['verify']);
    console.log(`[radius] seeding ${formatNumber(2 * USERS)} TOTP users in-process ...`);
    const seeded = seed(data.dir);
    const port = await freeUdpPort();
    // startServer hands the child this process's environment: RADIUS on for this one server only.
    const before = process.env.TESSERA_RADIUS_PORT;
    process.env.TESSERA_RADIUS_PORT = String(port);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({ dataDir: data.dir });
    } finally {
      if (before === undefined) delete process.env.TESSERA_RADIUS_PORT;
      else process.env.TESSERA_RADIUS_PORT = before;
    }
    try {
      console.log(`[radius] REST POST /api/v1/verify: ${IN_FLIGHT} connections, ${DURATION_S} s ...`);
      const rest = await restPhase(server.baseUrl, apiKey, seeded.rest);
      console.log(`[radius] RADIUS Access-Request on udp/${port}: ${IN_FLIGHT} in flight, ${DURATION_S} s ...`);
      const rad = await radiusPhase(port, seeded.radius);
      const memory = server.memory();
      const restDecided = total(rest.tally, 'accepted') + total(rest.tally, 'wrong_code');
      const radDecided = total(rad.tally, 'accepted') + total(rad.tally, 'wrong_code');
      const outcomes = (t: Tally) =>
        `${formatNumber(total(t, 'accepted'))} / ${formatNumber(total(t, 'wrong_code'))} / ${formatNumber(total(t, 'throttled'))} / ${formatNumber(total(t, 'other'))} / ${formatNumber(total(t, 'lost'))}`;
      return {
        name: 'radius',
        description: `RADIUS Access-Requests (PAP, code only, Message-Authenticator) beside REST verify, ${IN_FLIGHT} in flight each, ${formatNumber(USERS)} users each, ${DURATION_S} s each`,
        metrics: [
          { label: 'RADIUS Access-Requests/s', value: formatNumber(rad.perSec), unit: 'req/s' },
          { label: 'RADIUS latency p50 / p99 / p99.9', value: `${rad.latencyMs.p50} / ${rad.latencyMs.p99} / ${rad.latencyMs.p99_9}`, unit: 'ms' },
          { label: 'RADIUS accept / wrong / throttled / other / lost', value: outcomes(rad.tally) },
          { label: 'RADIUS valid codes accepted', value: `${formatNumber(rad.tally.valid.accepted)} / ${formatNumber(rad.mix.sentByKind.valid)}` },
          { label: 'RADIUS wrong codes accepted (must be 0)', value: formatNumber(rad.tally.wrong.accepted) },
          { label: 'REST verify req/s (mean)', value: formatNumber(rest.load.reqPerSec), unit: 'req/s' },
          {
            label: 'REST verify latency p50 / p99 / p99.9',
            value: `${rest.load.latencyMs.p50} / ${rest.load.latencyMs.p99} / ${rest.load.latencyMs.p99_9}`,
            unit: 'ms',
          },
          { label: 'REST accept / wrong / throttled / other / lost', value: outcomes(rest.tally) },
          { label: 'REST wrong codes accepted (must be 0)', value: formatNumber(rest.tally.wrong.accepted) },
          { label: 'RADIUS / REST throughput', value: (rad.perSec / rest.load.reqPerSec).toFixed(2) },
          { label: 'seeding (in-process)', value: formatNumber(seeded.seconds), unit: 's' },
          { label: 'server peak RSS (VmHWM)', value: memory === undefined ? 'n/a' : formatNumber(memory.peakRssKb / 1024), unit: 'MB' },
        ],
        notes: [
          `mix (both): every ${VALID_EVERY}th request a valid code for the next user not yet signed in this TOTP step, the rest wrong codes round-robin; decided answers: REST ${formatNumber(restDecided)}, RADIUS ${formatNumber(radDecided)}.`,
          `REST first, then RADIUS, against the same server process; the two halves of the users never mix, so throttle state does not carry over.`,
          `RADIUS latency is send → reply on one UDP socket, replies checked with the radius package's verify_response (bad: ${rad.badResponseAuthenticator}).`,
          `server: separate process (serve with TESSERA_RADIUS_PORT); load generators (autocannon, the UDP client) run in the bench process on the same 2 cores.`,
          ...(USERS !== DEFAULT_USERS || DURATION_S !== DEFAULT_DURATION_S ? [`WARNING: overridden by env: ${USERS} users, ${DURATION_S} s.`] : []),
          ...(rad.tally.samples.length + rest.tally.samples.length > 0
            ? [`unexpected (samples): ${[...rest.tally.samples, ...rad.tally.samples].join(' | ')}`]
            : []),
        ],
        data: {
          users: USERS,
          durationS: DURATION_S,
          inFlight: IN_FLIGHT,
          rest: { load: loadSummaryJson(rest.load), sent: { ...rest.mix.sentByKind }, tally: tallyJson(rest.tally) },
          radius: {
            requests: rad.requests,
            seconds: rad.seconds,
            perSec: rad.perSec,
            latencyMs: { ...rad.latencyMs },
            sent: { ...rad.mix.sentByKind },
            tally: tallyJson(rad.tally),
            badResponseAuthenticator: rad.badResponseAuthenticator,
          },
          peakRssKb: memory?.peakRssKb ?? null,
        },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await data.remove();
  }
}
