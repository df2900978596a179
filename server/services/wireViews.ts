import { evaluateThrottle, effectiveThrottleState, type ThrottleSettings, type ThrottleState } from '../core/policy/throttle';
import type { ThrottleView, UserSummary } from '../../shared/schemas/users';
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

export function toUserSummary(u: UserRow, hasActiveFactor: boolean): UserSummary {
  return {
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    phone: u.phone === null ? null : maskPhone(u.phone),
    createdAt: iso(u.created_at)!,
    hasActiveFactor,
    source: u.directory_dn === null ? 'local' : 'directory',
    disabled: u.disabled_at !== null,
  };
}

export function toUserListItem(u: UserListRow): UserSummary {
  return toUserSummary(u, u.has_active_factor === 1);
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
