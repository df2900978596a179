import { z } from 'zod';
import { auditProcedure, router } from '../init';

const DAYS = z.number().int().min(1).max(365).default(30);

/** Day keys (YYYY-MM-DD, UTC) from `days - 1` days ago to today. */
function dayKeys(now: number, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(now - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export const dashboardRouter = router({
  stats: auditProcedure.input(z.object({ days: DAYS }).strict().optional()).query(({ ctx, input }) => {
    const { store, clock } = ctx.services;
    const days = dayKeys(clock(), input?.days ?? 30);
    const byDay = new Map(days.map((d) => [d, { day: d, enrollments: 0, verifySuccess: 0, verifyFailure: 0, throttled: 0, lockouts: 0, securityKeySuccess: 0, securityKeyFailure: 0 }]));
    for (const c of store.dashboard.since(days[0]!)) {
      const row = byDay.get(c.day);
      if (!row) continue;
      // A security key or passkey registered is an enrollment; its sign-ins are counted apart from codes.
      if ((c.action === 'factor.confirm' || c.action === 'webauthn.register') && c.outcome === 'success') row.enrollments += c.n;
      if (c.action === 'verify' && c.outcome === 'success') row.verifySuccess += c.n;
      if (c.action === 'verify' && c.outcome === 'failure') row.verifyFailure += c.n;
      if (c.action === 'verify' && c.outcome === 'denied') row.throttled += c.n;
      if ((c.action === 'verify' || c.action === 'webauthn.authenticate') && c.reason === 'locked_out') row.lockouts += c.n;
      if (c.action === 'webauthn.authenticate' && c.outcome === 'success') row.securityKeySuccess += c.n;
      if (c.action === 'webauthn.authenticate' && c.outcome !== 'success') row.securityKeyFailure += c.n;
    }
    return {
      users: store.users.count(),
      usersWithoutFactor: store.dashboard.usersWithoutFactor(),
      pendingEnrollments: store.dashboard.pendingFactors(),
      usersWithSecurityKey: store.factors.countUsersWithActive('webauthn'),
      days: [...byDay.values()],
    };
  }),
});
