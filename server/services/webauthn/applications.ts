import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { TesseraError } from '../../../shared/errors';
import type {
  WebauthnAuthenticationResult,
  WebauthnAuthenticationVerifyInput,
  WebauthnReason,
  WebauthnRegistrationResult,
  WebauthnRegistrationVerifyInput,
} from '../../../shared/schemas/webauthn';
import { evaluateThrottle } from '../../core/policy/throttle';
import type { ChallengeBinding } from '../../core/webauthn/challenge';
import type { UserRow, WebauthnCredentialRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { MAX_FACTORS_PER_USER, requireMethodEnabled, requireRoomForFactor } from '../factors';
import { requireUser } from '../users';
import { clearUserFailures, recordUserFailure } from '../userThrottle';
import { factorView } from '../factorViews';
import { webauthn } from '../methods/webauthn';
import { throttleStateOf } from '../wireViews';
import {
  authenticationOptions,
  checkRegistration,
  commitAssertion,
  consumeChallenge,
  credentialDetails,
  failure,
  freshChallenge,
  insertChallenge,
  precheck,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
  type VerifiedAssertion,
} from './ceremony';
import { requireAppRelyingParty, type RelyingParty } from './relyingParty';
import { revokeTemporaryOnNewFactor } from '../temporaryCodes';

/**
 * WebAuthn for applications' users, over REST: an application (API key)
 * registers its users' security keys and passkeys with its own relying party
 * (scope provision) and checks their sign-ins (scope verify). Registration
 * and authentication attempts each write exactly one audit entry
 * ('webauthn.register', 'webauthn.authenticate'); issuing a challenge writes
 * 'webauthn.challenge'.
 */

export interface AppCaller {
  apiKeyId: string;
}

function appBinding(rp: RelyingParty, caller: AppCaller, purpose: ChallengeBinding['purpose'], userId: string | null): ChallengeBinding {
  return { purpose, rpId: rp.id, apiKeyId: caller.apiKeyId, operatorId: null, userId };
}

/** Starts a registration for `username`: options for navigator.credentials.create, with a new challenge. */
export async function appRegistrationOptions(
  ctx: ServiceContext,
  caller: AppCaller,
  username: string,
  actor: Actor,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireMethodEnabled(ctx, 'webauthn');
  const rp = requireAppRelyingParty(ctx, caller.apiKeyId);
  const user = requireUser(ctx, username);
  requireRoomForFactor(ctx, user.id);
  const challenge = freshChallenge();
  const options = await registrationOptions(rp, challenge, user, ctx.store.webauthn.forUserAndRp(user.id, rp.id));
  const now = ctx.clock();
  ctx.store.tx(() => {
    if (!ctx.store.users.findById(user.id)) throw new TesseraError('not_found', 'No user with that username');
    insertChallenge(ctx, challenge, appBinding(rp, caller, 'register', user.id), now);
    ctx.audit.append({ actor, action: 'webauthn.challenge', user: user.username, outcome: 'success', details: { purpose: 'register', rpId: rp.id } });
  });
  return options;
}

/** Finishes a registration: verifies the attestation and stores the credential as an active factor. */
export async function appVerifyRegistration(
  ctx: ServiceContext,
  caller: AppCaller,
  input: WebauthnRegistrationVerifyInput,
  actor: Actor,
): Promise<WebauthnRegistrationResult> {
  requireMethodEnabled(ctx, 'webauthn');
  const rp = requireAppRelyingParty(ctx, caller.apiKeyId);
  const user = requireUser(ctx, input.user);
  const now = ctx.clock();
  const pre = precheck(ctx, input.response, 'webauthn.create', rp, appBinding(rp, caller, 'register', user.id), now);
  const verified = pre.failure === null ? await verifyRegistration(rp, pre.challenge!.challenge, input.response) : null;
  return ctx.store.tx(() => {
    const fail = (reason: WebauthnReason, details: Record<string, unknown> = {}): WebauthnRegistrationResult => {
      ctx.audit.append({ actor, action: 'webauthn.register', user: user.username, outcome: 'failure', reason, details: { rpId: rp.id, ...details } });
      return failure(reason);
    };
    const consumed = consumeChallenge(ctx, pre);
    if (!ctx.store.users.findById(user.id)) throw new TesseraError('not_found', 'No user with that username');
    const checked = checkRegistration(ctx, pre, consumed, verified, () => ctx.store.factors.listByUser(user.id).length >= MAX_FACTORS_PER_USER);
    if (!checked.ok) return fail(checked.reason, checked.details);
    const { registration, details } = checked;
    const factorId = webauthn.enroll(ctx, user, rp.id, registration, input.label, now);
    ctx.audit.append({
      actor,
      action: 'webauthn.register',
      user: user.username,
      outcome: 'success',
      details: {
        factorId,
        ...details,
        rpId: rp.id,
        userVerified: registration.userVerified,
        backedUp: registration.backedUp,
        deviceType: registration.deviceType,
      },
    });
    revokeTemporaryOnNewFactor(ctx, user, factorId, actor);
    const factor = ctx.store.factors.find(user.id, factorId)!;
    return { ok: true, factor: factorView(ctx, factor) };
  });
}

/**
 * Starts a sign-in: with a username, options listing that user's keys for this
 * relying party; without one, options for a discoverable passkey (the
 * authenticator says whose it is). A throttled or locked user is refused here
 * already.
 */
export async function appAuthenticationOptions(
  ctx: ServiceContext,
  caller: AppCaller,
  username: string | undefined,
  actor: Actor,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  requireMethodEnabled(ctx, 'webauthn');
  const rp = requireAppRelyingParty(ctx, caller.apiKeyId);
  let user: UserRow | null = null;
  let allow: WebauthnCredentialRow[] | null = null;
  if (username !== undefined) {
    user = requireUser(ctx, username);
    if (user.disabled_at !== null) throw new TesseraError('user_disabled', 'This user is disabled (they left the directory or are disabled there)');
    const gate = evaluateThrottle(throttleStateOf(user), ctx.clock(), ctx.settings.throttle());
    if (gate.decision !== 'allow') {
      throw new TesseraError(
        gate.decision,
        gate.decision === 'locked' ? 'This user is locked out after too many failures' : 'Too many recent failures for this user: retry later',
        { retryAfterSeconds: gate.retryAfterSeconds },
      );
    }
    allow = ctx.store.webauthn.forUserAndRp(user.id, rp.id).filter((c) => c.factor_status === 'active' && c.flagged_at === null);
    if (allow.length === 0) throw new TesseraError('conflict', 'This user has no usable security key or passkey registered with this application');
  }
  const challenge = freshChallenge();
  const options = await authenticationOptions({ rp, challenge, allow });
  const now = ctx.clock();
  ctx.store.tx(() => {
    insertChallenge(ctx, challenge, appBinding(rp, caller, 'authenticate', user?.id ?? null), now);
    ctx.audit.append({
      actor,
      action: 'webauthn.challenge',
      user: user?.username ?? null,
      outcome: 'success',
      details: { purpose: 'authenticate', rpId: rp.id, discoverable: user === null },
    });
  });
  return options;
}

/**
 * Checks a sign-in response. The user is the one the challenge named, or for
 * a passkey the owner of the credential. Refusals count toward that user's
 * throttle like wrong codes; a throttled or locked user is refused before the
 * signature is checked, and so is a disabled user (user_disabled, not counted).
 */
export async function appVerifyAuthentication(
  ctx: ServiceContext,
  caller: AppCaller,
  input: WebauthnAuthenticationVerifyInput,
  actor: Actor,
): Promise<WebauthnAuthenticationResult> {
  requireMethodEnabled(ctx, 'webauthn');
  const rp = requireAppRelyingParty(ctx, caller.apiKeyId);
  const now = ctx.clock();
  const pre = precheck(ctx, input.response, 'webauthn.get', rp, appBinding(rp, caller, 'authenticate', null), now);
  // Only a user's credential registered with this relying party is known here (not another RP's, nor an operator's).
  const found = pre.credentialId ? ctx.store.webauthn.findByCredentialId(pre.credentialId) : undefined;
  const cred = found && found.factor_id !== null && found.rp_id === rp.id ? found : undefined;
  // The user at stake: the one the challenge was issued for, else the credential's owner.
  const userId = pre.challenge?.user_id ?? cred?.user_id ?? null;
  let reason: WebauthnReason | null = pre.failure;
  if (!reason && (!cred || cred.factor_status !== 'active')) reason = 'unknown_credential';
  if (!reason && cred!.user_id !== userId) reason = 'credential_not_allowed';
  if (!reason && cred!.flagged_at !== null) reason = 'credential_flagged';
  const userBefore = userId ? ctx.store.users.findById(userId) : undefined;
  const gateBefore = userBefore ? evaluateThrottle(throttleStateOf(userBefore), now, ctx.settings.throttle()) : null;
  const blocked = gateBefore !== null && gateBefore.decision !== 'allow' ? gateBefore : null;
  let verified: VerifiedAssertion | null = null;
  const disabled = userBefore !== undefined && userBefore.disabled_at !== null;
  if (!reason && !blocked && !disabled) {
    const v = await verifyAssertion(rp, pre.challenge!.challenge, cred!, input.response);
    if (v.ok) verified = v;
    else reason = v.reason;
  }

  return ctx.store.tx((): WebauthnAuthenticationResult => {
    const consumed = consumeChallenge(ctx, pre);
    const user = userId ? ctx.store.users.findById(userId) : undefined;
    const base = { rpId: rp.id, ...(cred ? { factorId: cred.factor_id, ...credentialDetails(cred) } : {}) };
    if (user && user.disabled_at !== null) {
      // Left the directory or disabled there: refused (a passkey names its owner, so a username-less sign-in too), not counted as a failure.
      ctx.audit.append({
        actor,
        action: 'webauthn.authenticate',
        user: user.username,
        outcome: 'denied',
        reason: 'user_disabled',
        details: { ...base, why: user.disabled_reason },
      });
      return failure('user_disabled');
    }
    if (user) {
      // Gated before the signature was checked, and again now (a concurrent failure may have locked the user meanwhile).
      const now2 = evaluateThrottle(throttleStateOf(user), ctx.clock(), ctx.settings.throttle());
      const gate = now2.decision !== 'allow' ? now2 : blocked;
      if (gate) {
        ctx.audit.append({
          actor,
          action: 'webauthn.authenticate',
          user: user.username,
          outcome: 'denied',
          reason: gate.decision,
          details: { ...base, retryAfterSeconds: gate.retryAfterSeconds },
        });
        return failure(gate.decision, gate.retryAfterSeconds);
      }
    }
    if (!reason && !consumed) reason = 'challenge_unknown_or_used';
    let counterInfo: Record<string, unknown> = {};
    if (!reason && verified) {
      const commit = commitAssertion(ctx, cred!.id, verified, ctx.clock());
      if (!commit.ok) ({ reason, details: counterInfo } = commit);
    }
    if (reason || !verified || !user || !cred?.factor_id) {
      return failAuthentication(ctx, user, actor, reason ?? 'unknown_credential', { ...base, ...counterInfo });
    }
    ctx.store.factors.markUsed(cred.factor_id, ctx.clock());
    clearUserFailures(ctx, user);
    ctx.audit.append({
      actor,
      action: 'webauthn.authenticate',
      user: user.username,
      outcome: 'success',
      details: { ...base, userVerified: verified.userVerified },
    });
    return { ok: true, user: user.username, factor: { id: cred.factor_id, type: 'webauthn' }, userVerified: verified.userVerified };
  });
}

/** Counts a refusal toward the user's throttle (when there is a user) and audits it; the failure that locks is recorded as such. */
function failAuthentication(
  ctx: ServiceContext,
  user: UserRow | undefined,
  actor: Actor,
  reason: WebauthnReason,
  details: Record<string, unknown>,
): WebauthnAuthenticationResult {
  let extra: Record<string, unknown> = {};
  let auditReason: string = reason;
  if (user) {
    const next = recordUserFailure(ctx, user, ctx.clock());
    extra = { failures: next.failures, ...(next.lockedNow ? { lockedUntil: new Date(next.lockedUntil!).toISOString(), webauthnReason: reason } : {}) };
    // As for codes: the failure that locks the user is recorded as such, so lockouts can be counted and alerted on.
    if (next.lockedNow) auditReason = 'locked_out';
  }
  ctx.audit.append({
    actor,
    action: 'webauthn.authenticate',
    user: user?.username ?? null,
    outcome: 'failure',
    reason: auditReason,
    details: { ...details, ...extra },
  });
  return failure(reason);
}
