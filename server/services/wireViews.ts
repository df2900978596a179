import { evaluateThrottle, effectiveThrottleState, type ThrottleSettings, type ThrottleState } from '../core/policy/throttle';
import type { FactorView } from '../../shared/schemas/factors';
import type { ThrottleView, UserSummary } from '../../shared/schemas/users';
import type { FactorRow, UserListRow, UserRow, WebauthnCredentialRow } from '../store/index';
import { authenticatorModel } from '../../shared/webauthn/authenticatorModels';

/** Shapes rows into the wire types. An explicit list of fields: nothing secret can slip through. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function throttleStateOf(row: Pick<UserRow, 'failures' | 'last_failure_at' | 'locked_until'>): ThrottleState {
  return { failures: row.failures, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
}

/** A factor as the API shows it; a WebAuthn factor with its credential's public details. */
export function toFactorView(f: FactorRow, credential?: WebauthnCredentialRow): FactorView {
  const view: FactorView = {
    id: f.id,
    type: f.type,
    status: f.status,
    label: f.label,
    algorithm: f.algorithm,
    digits: f.digits,
    period: f.period,
    createdAt: iso(f.created_at)!,
    confirmedAt: iso(f.confirmed_at),
    expiresAt: iso(f.expires_at),
    lastUsedAt: iso(f.last_used_at),
  };
  if (f.type === 'webauthn' && credential) {
    view.webauthn = {
      aaguid: credential.aaguid,
      model: authenticatorModel(credential.aaguid),
      rpId: credential.rp_id,
      backedUp: credential.backed_up === 1,
      deviceType: credential.device_type,
      transports: JSON.parse(credential.transports) as string[],
      flaggedAt: iso(credential.flagged_at),
      flagReason: credential.flag_reason,
    };
  }
  return view;
}

export function toUserSummary(u: UserRow, hasActiveFactor: boolean): UserSummary {
  return {
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    createdAt: iso(u.created_at)!,
    hasActiveFactor,
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
