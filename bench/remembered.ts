/**
 * bench/remembered — verify throughput with remembered devices in the mix.
 *
 * USERS users with a confirmed TOTP factor each have one device remembered
 * (seeded over REST: a right code with `remember`, which answers the token).
 * Then POST /api/v1/verify with autocannon, CONNECTIONS connections,
 * DURATION_S seconds, in two runs: only device tokens (every answer ok,
 * type remembered), and a mix of one device token in two requests with
 * wrong app codes in the others (what an application with remembered
 * devices turned on sends). The app-code-only numbers are bench/verify's.
 */
import type { RequestSpec } from 'autocannon';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { updateSettings } from '../server/services/settings.js';
import { peekData } from '../server/testing/harness.js';
import { envInt } from './lib/env.js';
import { ApiClient, expectStatus, isRecord, mapPool } from './lib/http.js';
import { loadSummaryJson, runLoad, type LoadSummary } from './lib/load.js';
import { createApiKey, initDataDir, makeTempDataDir, startServer } from './lib/server.js';
import { codeForStep, currentStep } from './lib/totp.js';
import type { BenchResult } from './lib/types.js';

const USERS = envInt('BENCH_REMEMBERED_USERS', 2_000);
const DURATION_S = envInt('BENCH_DURATION_S', 10);
const CONNECTIONS = 32;
const GOAL = { verifiesPerSec: 2_000, p99Ms: 50 };

interface Seeded {
  username: string;
  token: string;
}

async function seed(api: ApiClient, index: number): Promise<Seeded> {
  const username = `dev-${String(index).padStart(6, '0')}`;
  const user = encodeURIComponent(username);
  expectStatus('create user', await api.request('POST', '/users', { username }), 201);
  const f = await api.request('POST', `/users/${user}/factors`, { type: 'totp' });
  expectStatus('enroll', f, 201);
  if (!isRecord(f.body) || typeof f.body.id !== 'string' || typeof f.body.secret !== 'string') throw new Error('enroll: unexpected body');
  const secret = f.body.secret;
  const step = currentStep();
  expectStatus('confirm', await api.request('POST', `/users/${user}/factors/${f.body.id}/confirm`, { code: codeForStep(secret, step) }), 200);
  // The next step's code is not a replay of the confirming one.
  const v = await api.request('POST', '/verify', { user: username, code: codeForStep(secret, step + 1), remember: { label: 'bench laptop' } });
  if (!isRecord(v.body) || typeof v.body.deviceToken !== 'string') throw new Error(`remember: ${JSON.stringify(v.body)}`);
  return { username, token: v.body.deviceToken };
}

function tokenRequests(authorization: string, users: readonly Seeded[], wrongEvery: number, counts: Record<string, number>): RequestSpec[] {
  let n = 0;
  return [
    {
      method: 'POST',
      path: '/api/v1/verify',
      headers: { authorization, 'content-type': 'application/json' },
      setupRequest(req) {
        const u = users[n % users.length]!;
        const wrong = wrongEvery > 0 && n % wrongEvery === 1;
        n++;
        // Wrong app codes go to users in turn, a few each, so none is throttled for long.
        const body = wrong ? { user: u.username, code: String(100000 + (n % 900000)) } : { user: u.username, deviceToken: u.token };
        return { ...req, body: JSON.stringify(body) };
      },
      onResponse(status, body) {
        const key = status !== 200 ? String(status) : body.includes('"remembered"') ? 'remembered' : body.includes('"ok":true') ? 'ok_other' : 'refused';
        counts[key] = (counts[key] ?? 0) + 1;
      },
    },
  ];
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function run(): Promise<BenchResult> {
  const data = await makeTempDataDir();
  try {
    await initDataDir(data.dir);
    const key = await createApiKey(data.dir, 'bench', ['verify', 'provision']);
    peekData(data.dir, (s) => updateSettings(s, { rememberDevices: true }, SYSTEM_ACTOR));
    const server = await startServer({ dataDir: data.dir });
    try {
      const api = new ApiClient(server.baseUrl, key);
      const users = await mapPool(
        Array.from({ length: USERS }, (_, i) => i),
        32,
        (i) => seed(api, i),
      );
      const auth = `Bearer ${key}`;
      const onlyCounts: Record<string, number> = {};
      const only: LoadSummary = await runLoad({
        url: server.baseUrl,
        connections: CONNECTIONS,
        durationSec: DURATION_S,
        requests: tokenRequests(auth, users, 0, onlyCounts),
      });
      const mixCounts: Record<string, number> = {};
      const mix: LoadSummary = await runLoad({
        url: server.baseUrl,
        connections: CONNECTIONS,
        durationSec: DURATION_S,
        requests: tokenRequests(auth, users, 2, mixCounts),
      });
      const rate = (onlyCounts.remembered ?? 0) / only.durationSec;
      const met = rate >= GOAL.verifiesPerSec && only.latencyMs.p99 < GOAL.p99Ms && Object.keys(onlyCounts).every((k) => k === 'remembered');
      return {
        name: 'remembered',
        description: `verify with remembered-device tokens, ${CONNECTIONS} connections, ${USERS} users, ${DURATION_S} s per run`,
        metrics: [
          { label: 'tokens only: verifies', value: round(rate), unit: '/s' },
          { label: 'tokens only: p50', value: only.latencyMs.p50, unit: 'ms' },
          { label: 'tokens only: p99', value: only.latencyMs.p99, unit: 'ms' },
          { label: 'mix (½ tokens, ½ wrong codes): requests', value: round(mix.totalRequests / mix.durationSec), unit: '/s' },
          { label: 'mix: p99', value: mix.latencyMs.p99, unit: 'ms' },
        ],
        goal: { text: `tokens only: >= ${GOAL.verifiesPerSec} verifies/s, p99 < ${GOAL.p99Ms} ms, every answer ok`, met },
        notes: [
          `answers, tokens only: ${JSON.stringify(onlyCounts)}; mix: ${JSON.stringify(mixCounts)}`,
          'A token verify is one SHA-256, one indexed read, one UPDATE of last use and one audit entry, in the same group commit as code verifies.',
        ],
        data: { tokensOnly: loadSummaryJson(only), mix: loadSummaryJson(mix), onlyCounts, mixCounts },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await data.remove();
  }
}
