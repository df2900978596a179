/**
 * bench/directory — a first sync of a large directory: time and memory.
 *
 * Starts Debian's slapd with USERS users in groups (server/testing/slapd.ts,
 * loaded with slapadd), then runs Tessera's dry run and the sync in this
 * process against a fresh data folder: wall time of each, and the process's
 * peak RSS. A second sync (nothing changed) shows the steady-state cost.
 */
import { performance } from 'node:perf_hooks';
import { BASE_DN, BIND_DN, BIND_PASSWORD, slapdAvailable, startSlapd } from '../server/testing/slapd.js';
import { openTestServices } from '../server/testing/harness.js';
import { SYSTEM_ACTOR } from '../server/services/index.js';
import { applyDirectorySync, planDirectorySync, setDirectoryConfig } from '../server/services/directory/index.js';
import { envInt } from './lib/env.js';
import type { BenchResult } from './lib/types.js';

const USERS = envInt('BENCH_DIRECTORY_USERS', 50_000);

function peakRssMb(): number {
  // ru_maxrss is in kB on Linux.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export async function run(): Promise<BenchResult> {
  if (!slapdAvailable()) throw new Error('bench/directory needs Debian’s slapd (apt-get install slapd ldap-utils)');
  const t0 = performance.now();
  const slapd = await startSlapd({ users: USERS, sizeLimit: 500 });
  const loadS = (performance.now() - t0) / 1000;
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
    const p0 = performance.now();
    const plan = await planDirectorySync(t.services);
    const planS = (performance.now() - p0) / 1000;
    const a0 = performance.now();
    const first = await applyDirectorySync(t.services, SYSTEM_ACTOR, {});
    const applyS = (performance.now() - a0) / 1000;
    const s0 = performance.now();
    const second = await applyDirectorySync(t.services, SYSTEM_ACTOR, {});
    const secondS = (performance.now() - s0) / 1000;
    const rss = peakRssMb();
    const added = first.counts.add;
    return {
      name: 'directory',
      description: `first sync of ${USERS.toLocaleString('en')} directory users from a local slapd, then a sync with nothing changed`,
      metrics: [
        { label: 'slapd loaded (slapadd + start)', value: Math.round(loadS * 10) / 10, unit: 's' },
        { label: 'dry run', value: Math.round(planS * 10) / 10, unit: 's' },
        { label: 'first sync (users added)', value: Math.round(applyS * 10) / 10, unit: 's' },
        { label: 'users added', value: added },
        { label: 'users per second', value: Math.round(added / applyS) },
        { label: 'second sync (nothing changed)', value: Math.round(secondS * 10) / 10, unit: 's' },
        { label: 'peak RSS (bench process: Tessera and client)', value: rss, unit: 'MB' },
      ],
      notes: [
        `dry run counted ${JSON.stringify(plan.counts)}; second sync ${JSON.stringify(second.counts)}`,
        'Tessera runs in the bench process here (services over a fresh data folder), so the RSS is Tessera’s plus the LDAP client’s.',
      ],
      data: { users: USERS, planS, applyS, secondS, rssMb: rss, firstCounts: first.counts, secondCounts: second.counts },
    };
  } finally {
    t.close();
    await slapd.stop();
  }
}
