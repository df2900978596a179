/**
 * bench/directory — a first sync of a large directory: time and memory.
 *
 * Starts Debian's slapd with BENCH_DIRECTORY_USERS users (default 50,000) in
 * groups (server/testing/slapd.ts: the LDIF is written to a file in chunks
 * and loaded offline by slapadd, the fast path), then runs Tessera's dry run,
 * the first sync and a sync with nothing changed, in this process against a
 * fresh data folder: wall time of each, the RSS peak seen during each phase
 * (sampled), the process's peak RSS over the whole run, and slapd's own; then
 * what the rollout page asks of a directory this size (the group list with
 * counts, a group's plan).
 *
 *   BENCH_DIRECTORY_USERS=50000 npm run bench -- directory
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BASE_DN, BIND_DN, BIND_PASSWORD, slapdAvailable, startSlapd } from '../server/testing/slapd.js';
import { openTestServices } from '../server/testing/harness.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { applyDirectorySync, directoryGroups, planDirectorySync, setDirectoryConfig } from '../server/services/directory/index.js';
import { planSheets } from '../server/services/sheets/enrollmentSheets.js';
import { envInt } from './lib/env.js';
import type { BenchResult } from './lib/types.js';

const USERS = envInt('BENCH_DIRECTORY_USERS', 50_000);
const MB = 2 ** 20;

function peakRssMb(): number {
  // ru_maxrss is in kB on Linux.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A process's peak resident memory (VmHWM) in MB, from /proc; null where there is none. */
function procPeakMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Runs one phase: its wall time and the highest RSS seen meanwhile (sampled
 * every 20 ms, plus once at the end; the sync yields between chunks, so the
 * sampler gets its turns).
 */
async function phase<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; ms: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = Math.round(performance.now() - t0);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, seconds: Math.round(ms / 100) / 10, ms, peakMb: Math.round(peak / MB) };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<BenchResult> {
  if (!slapdAvailable()) throw new Error('bench/directory needs Debian’s slapd (apt-get install slapd ldap-utils)');
  const load = await phase(() => startSlapd({ users: USERS, sizeLimit: 500 }));
  const slapd = load.value;
  const t = openTestServices({ prefix: 'tessera-bench-dir-' });
  try {
    setDirectoryConfig(
      t.services,
      {
        url: slapd.url,
        tls: 'none',
        bindDn: BIND_DN,
        bindPassword: BIND_PASSWORD,
        baseDn: BASE_DN,
        userFilter: '(objectClass=inetOrgPerson)',
        attributes: { preset: 'openldap' },
        pageSize: 500,
      },
      SYSTEM_ACTOR,
    );
    const baseMb = Math.round(process.memoryUsage().rss / MB);
    const plan = await phase(() => planDirectorySync(t.services));
    const first = await phase(() => applyDirectorySync(t.services, SYSTEM_ACTOR, {}));
    const second = await phase(() => applyDirectorySync(t.services, SYSTEM_ACTOR, {}));
    // What the rollout page asks of a directory this size: the group list (its typeahead) and a group's plan.
    const groups = await phase(async () => directoryGroups(t.services, { query: '' }));
    const vpn = groups.value.find((g) => g.name === 'vpn-users');
    const rollout = await phase(() => planSheets(t.services, { kind: 'group', group: 'vpn-users' }));
    if (rollout.value.sheets.length + rollout.value.notIncluded !== vpn?.withoutFactor) {
      throw new Error(`the group plan (${rollout.value.sheets.length} + ${rollout.value.notIncluded}) is not the group's count (${vpn?.withoutFactor})`);
    }
    const rss = peakRssMb();
    const slapdMb = procPeakMb(slapd.pid);
    const added = first.value.counts.add;
    if (added !== USERS) throw new Error(`the first sync added ${added} users, not ${USERS}: ${JSON.stringify(first.value.counts)}`);
    if (second.value.counts.unchanged !== USERS) throw new Error(`the second sync changed something: ${JSON.stringify(second.value.counts)}`);
    return {
      name: 'directory',
      description: `first sync of ${USERS.toLocaleString('en')} directory users from a local slapd, then a sync with nothing changed`,
      metrics: [
        { label: 'slapd loaded (LDIF + slapadd + start)', value: load.seconds, unit: 's' },
        { label: 'dry run', value: plan.seconds, unit: 's' },
        { label: 'dry run: peak RSS', value: plan.peakMb, unit: 'MB' },
        { label: 'first sync (users added)', value: first.seconds, unit: 's' },
        { label: 'first sync: peak RSS', value: first.peakMb, unit: 'MB' },
        { label: 'users added', value: added },
        { label: 'users per second (first sync)', value: Math.round(added / Math.max(first.seconds, 0.1)) },
        { label: 'second sync (nothing changed)', value: second.seconds, unit: 's' },
        { label: 'second sync: peak RSS', value: second.peakMb, unit: 'MB' },
        { label: 'group list with counts (rollout typeahead)', value: groups.ms, unit: 'ms' },
        { label: `rollout plan for vpn-users (${(vpn?.withoutFactor ?? 0).toLocaleString('en')} users)`, value: rollout.ms, unit: 'ms' },
        { label: 'RSS before the dry run (services open, slapd loaded)', value: baseMb, unit: 'MB' },
        { label: 'peak RSS of the bench process, whole run', value: rss, unit: 'MB' },
        ...(slapdMb === null ? [] : [{ label: 'slapd peak RSS (its own process)', value: slapdMb, unit: 'MB' }]),
      ],
      notes: [
        `dry run counted ${JSON.stringify(plan.value.counts)}; second sync ${JSON.stringify(second.value.counts)}`,
        'Tessera runs in the bench process (services over a fresh data folder): its RSS is Tessera’s plus the LDAP client’s; per-phase peaks are sampled every 20 ms.',
      ],
      data: {
        users: USERS,
        loadS: load.seconds,
        planS: plan.seconds,
        applyS: first.seconds,
        secondS: second.seconds,
        planPeakMb: plan.peakMb,
        applyPeakMb: first.peakMb,
        secondPeakMb: second.peakMb,
        groupListMs: groups.ms,
        groupPlanMs: rollout.ms,
        rssMb: rss,
        slapdMb,
        firstCounts: first.value.counts,
        secondCounts: second.value.counts,
      },
    };
  } finally {
    t.close();
    await slapd.stop();
  }
}
