import { METHOD_LABELS, METHODS, type Method } from '../../shared/schemas/methods';
import type { ServiceContext } from './context';

/**
 * The console's overview numbers: the dashboard, the users list's totals and
 * what each method is used by. Reads only (counters the audit log keeps as
 * it appends, and counts over users and factors); nothing is audited.
 */

export interface DashboardDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  enrollments: number;
  verifySuccess: number;
  verifyFailure: number;
  throttled: number;
  lockouts: number;
  securityKeySuccess: number;
  securityKeyFailure: number;
  /** Codes sent by email or SMS that the transport took (the server's answer was a success). */
  codeSent: number;
  /** Codes that were not delivered: the transport refused or failed, or none is set up. */
  codeNotDelivered: number;
}

export interface DashboardStats {
  users: number;
  usersWithoutFactor: number;
  pendingEnrollments: number;
  usersWithSecurityKey: number;
  /** One row per day, oldest first, ending today. */
  days: DashboardDay[];
}

export interface UserCounts {
  users: number;
  usersWithoutFactor: number;
}

export interface MethodUsage {
  method: Method;
  label: string;
  enabled: boolean;
  /** Users who rely on it: an active factor of this type (recovery: an unused code). */
  users: number;
}

/** Day keys (YYYY-MM-DD, UTC) from `days - 1` days ago to today. */
function dayKeys(now: number, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(now - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** The dashboard: totals now, and per day for the last `days` days. */
export function dashboardStats(ctx: ServiceContext, days = 30): DashboardStats {
  const { store } = ctx;
  const keys = dayKeys(ctx.clock(), days);
  const byDay = new Map<string, DashboardDay>(
    keys.map((d) => [
      d,
      {
        day: d,
        enrollments: 0,
        verifySuccess: 0,
        verifyFailure: 0,
        throttled: 0,
        lockouts: 0,
        securityKeySuccess: 0,
        securityKeyFailure: 0,
        codeSent: 0,
        codeNotDelivered: 0,
      },
    ]),
  );
  for (const c of store.dashboard.since(keys[0]!)) {
    const row = byDay.get(c.day);
    if (!row) continue;
    // A security key or passkey registered is an enrollment; its sign-ins are counted apart from codes.
    if ((c.action === 'factor.confirm' || c.action === 'webauthn.register') && c.outcome === 'success') row.enrollments += c.n;
    if (c.action === 'verify' && c.outcome === 'success') row.verifySuccess += c.n;
    // A verify for a user with no active factor is not a wrong code (issue 18 #3): not counted as a failed verify.
    if (c.action === 'verify' && c.outcome === 'failure' && c.reason !== 'no_factor') row.verifyFailure += c.n;
    // Refused before any check for the throttle; a disabled user or a method turned off is refused too, but is no throttle (issue 18 #2).
    if (c.action === 'verify' && c.outcome === 'denied' && (c.reason === 'throttled' || c.reason === 'locked')) row.throttled += c.n;
    if ((c.action === 'verify' || c.action === 'webauthn.authenticate') && c.reason === 'locked_out') row.lockouts += c.n;
    if (c.action === 'webauthn.authenticate' && c.outcome === 'success') row.securityKeySuccess += c.n;
    if (c.action === 'webauthn.authenticate' && c.outcome !== 'success') row.securityKeyFailure += c.n;
    if (c.action === 'code.send' && c.outcome === 'success') row.codeSent += c.n;
    if (c.action === 'code.send' && c.outcome === 'failure') row.codeNotDelivered += c.n;
  }
  return {
    users: store.users.count(),
    usersWithoutFactor: store.dashboard.usersWithoutFactor(),
    pendingEnrollments: store.dashboard.pendingFactors(),
    usersWithSecurityKey: store.factors.countUsersWithActive('webauthn'),
    days: [...byDay.values()],
  };
}

/** The users list's totals (the dashboard, with its charts, is for admins and auditors). */
export function userCounts(ctx: ServiceContext): UserCounts {
  return { users: ctx.store.users.count(), usersWithoutFactor: ctx.store.dashboard.usersWithoutFactor() };
}

/** For each method: whether it is on and how many users rely on it (what turning it off affects). */
export function methodUsage(ctx: ServiceContext): MethodUsage[] {
  const s = ctx.settings.get();
  return METHODS.map((m) => ({
    method: m,
    label: METHOD_LABELS[m],
    enabled: s.methods[m],
    users: m === 'recovery' ? ctx.store.dashboard.usersWithRecoveryCodes() : ctx.store.factors.countUsersWithActive(m),
  }));
}
