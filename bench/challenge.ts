/**
 * bench/challenge — emailed-code sign-ins, end to end.
 *
 * A real SMTP server runs in this process (smtp-server, mail parsed with
 * mailparser); the Tessera server runs in its own process with that SMTP
 * server set up and email codes on. USERS users hold an active email factor.
 * CONCURRENCY loops each do one sign-in after another: POST /challenge →
 * wait for the mail to arrive → read the code → POST /verify with the code
 * and transactionId → expect ok. Reported: round trips per second and the
 * latency of a whole round trip (challenge + SMTP delivery + verify), plus
 * the challenge call alone. App-code verify throughput is bench/verify's.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DEFAULT_SETTINGS } from '../shared/schemas/settings.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { setSmtpTransport } from '../server/services/delivery/transports.js';
import { updateSettings } from '../server/services/settings.js';
import { METHOD_MODULES } from '../server/services/methods/registry.js';
import { createUser } from '../server/services/users.js';
import { peekData } from '../server/testing/harness.js';
import { envInt } from './lib/env.js';
import { ApiClient, isRecord } from './lib/http.js';
import { createApiKey, initDataDir, makeTempDataDir, startServer } from './lib/server.js';
import type { BenchResult } from './lib/types.js';

const USERS = envInt('BENCH_CHALLENGE_USERS', 500);
const DURATION_S = envInt('BENCH_DURATION_S', 10);
const CONCURRENCY = 16;
const GOAL = { roundTripsPerSec: 100, p99Ms: 250 };

/** Mail as it arrives, handed to whoever waits for that address. */
class Mailbox {
  private readonly waiting = new Map<string, (code: string) => void>();
  readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, done) => {
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
          const address = to?.value[0]?.address ?? '';
          const code = mail.text?.match(/\b(\d{6,8})\b/)?.[1];
          const waiter = this.waiting.get(address);
          if (waiter && code) {
            this.waiting.delete(address);
            waiter(code);
          }
          done();
        })
        .catch(done);
    },
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Resolves with the code in the next mail to `address`. */
  codeFor(address: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no mail for ${address} within 10 s`)), 10_000);
      this.waiting.set(address, (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function run(): Promise<BenchResult> {
  const mailbox = new Mailbox();
  const smtpPort = await mailbox.listen();
  const data = await makeTempDataDir();
  try {
    await initDataDir(data.dir);
    const apiKey = await createApiKey(data.dir, 'bench', ['verify', 'provision']);
    // Set up before the server starts (it reads settings once): SMTP, email on, no resend wait, and users with an email factor.
    peekData(data.dir, (s) => {
      setSmtpTransport(
        s,
        { host: '127.0.0.1', port: smtpPort, tls: 'none', username: null, from: 'mfa@bench.test', verifyCertificate: true, timeoutMs: 10_000 },
        SYSTEM_ACTOR,
      );
      updateSettings(
        s,
        { methods: { ...DEFAULT_SETTINGS.methods, email: true }, resendSeconds: 0, sendLimitPerUser: 100, sendLimitPerApiKey: 1_000_000 },
        SYSTEM_ACTOR,
      );
      const now = Date.now();
      for (let i = 0; i < USERS; i++) {
        const username = `mail-${String(i).padStart(5, '0')}`;
        createUser(s, { username, email: `${username}@bench.test` }, SYSTEM_ACTOR);
        s.store.tx(() => {
          const f = METHOD_MODULES.email.enroll(s, s.store.users.findByKey(username)!, { type: 'email' }, now);
          s.store.factors.activate(f.id, now, { last_step: 0, counter: 0 });
        });
      }
    });
    const server = await startServer({ dataDir: data.dir });
    try {
      const api = new ApiClient(server.baseUrl, apiKey);
      const trips: number[] = [];
      const challenges: number[] = [];
      const failures: string[] = [];
      let next = 0;
      const deadline = performance.now() + DURATION_S * 1000;
      const loop = async () => {
        while (performance.now() < deadline) {
          const username = `mail-${String(next++ % USERS).padStart(5, '0')}`;
          const started = performance.now();
          const mail = mailbox.codeFor(`${username}@bench.test`);
          const c = await api.request('POST', '/challenge', { user: username });
          challenges.push(performance.now() - started);
          if (c.status !== 200 || !isRecord(c.body) || typeof c.body.transactionId !== 'string') {
            failures.push(`challenge ${c.status}`);
            continue;
          }
          const code = await mail;
          const v = await api.request('POST', '/verify', { user: username, code, transactionId: c.body.transactionId });
          if (v.status !== 200 || !isRecord(v.body) || v.body.ok !== true) failures.push(`verify ${v.status} ${JSON.stringify(v.body)}`);
          else trips.push(performance.now() - started);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
      const seconds = (performance.now() - t0) / 1000;
      trips.sort((a, b) => a - b);
      challenges.sort((a, b) => a - b);
      const rate = trips.length / seconds;
      const p99 = percentile(trips, 99);
      const met = rate >= GOAL.roundTripsPerSec && p99 < GOAL.p99Ms && failures.length === 0;
      return {
        name: 'challenge',
        description: `emailed-code sign-ins (challenge → SMTP → verify), ${CONCURRENCY} in flight, ${USERS} users, ${DURATION_S} s`,
        metrics: [
          { label: 'round trips', value: round(rate), unit: '/s' },
          { label: 'round trip p50', value: round(percentile(trips, 50)), unit: 'ms' },
          { label: 'round trip p99', value: round(p99), unit: 'ms' },
          { label: 'challenge call p50', value: round(percentile(challenges, 50)), unit: 'ms' },
          { label: 'challenge call p99', value: round(percentile(challenges, 99)), unit: 'ms' },
          { label: 'failed round trips', value: failures.length },
        ],
        goal: { text: `>= ${GOAL.roundTripsPerSec} round trips/s, p99 < ${GOAL.p99Ms} ms, none failed`, met },
        notes: [
          'The SMTP server is in the load generator’s process on the same 2 cores; a round trip includes parsing the mail.',
          'One SMTP connection per message (no pool), as in production: each send opens and closes a connection to 127.0.0.1.',
          ...(failures.length > 0 ? [`first failures: ${failures.slice(0, 3).join('; ')}`] : []),
        ],
        data: { roundTrips: trips.length, seconds, rate, p50: percentile(trips, 50), p99, failures: failures.length },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await data.remove();
    await mailbox.close();
  }
}
