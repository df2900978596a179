import { evaluateThrottle, effectiveThrottleState, type ThrottleSettings, type ThrottleState } from '../core/policy/throttle';
import type { ThrottleView, UserStatus, UserSummary } from '../../shared/schemas/users';
import type { UserListRow, UserRow } from '../store/index';
import { maskPhone } from '../../shared/mask';

/**
 * Shapes store rows into the wire types of shared/: timestamps, users and
 * their throttle state (a factor's view is in factorViews.ts). An explicit
 * list of fields: nothing secret can slip through.
 */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function throttleStateOf(row: Pick<UserRow, 'failures' | 'last_failure_at' | 'locked_until'>): ThrottleState {
  return { failures: row.failures, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
}

/** Can the user sign in now, and if not why (shared UserStatus): the throttle decision is core/policy/throttle's. */
export function userStatusOf(u: UserRow, hasActiveFactor: boolean, now: number, settings: ThrottleSettings): UserStatus {
  if (u.disabled_at !== null) return { state: 'disabled', until: null };
  const decision = evaluateThrottle(throttleStateOf(u), now, settings);
  if (decision.decision !== 'allow') return { state: decision.decision, until: iso(decision.until) };
  return { state: hasActiveFactor ? 'active' : 'noFactor', until: null };
}

/** A user as lists and pages show them, with their status at `now`. */
export function toUserSummary(u: UserRow, hasActiveFactor: boolean, now: number, settings: ThrottleSettings): UserSummary {
  return {
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    phone: u.phone === null ? null : maskPhone(u.phone),
    createdAt: iso(u.created_at)!,
    hasActiveFactor,
    source: u.directory_dn === null ? 'local' : 'directory',
    disabled: u.disabled_at !== null,
    status: userStatusOf(u, hasActiveFactor, now, settings),
    lastSignInAt: iso(u.last_verified_at),
  };
}

export function toUserListItem(u: UserListRow, now: number, settings: ThrottleSettings): UserSummary {
  return toUserSummary(u, u.has_active_factor === 1, now, settings);
}

export function toThrottleView(u: UserRow, now: number, settings: ThrottleSettings): ThrottleView {
  const state = throttleStateOf(u);
  const decision = evaluateThrottle(state, now, settings);
  return {
    failures: effectiveThrottleState(state, now).failures,
    state: decision.decision === 'allow' ? 'ok' : decision.decision,
    retryAfterSeconds: decision.decision === 'allow' ? null : decision.retryAfterSeconds,
  };
}
