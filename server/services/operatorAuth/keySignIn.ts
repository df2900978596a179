import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { TesseraError } from '../../../shared/errors';
import { WEBAUTHN_REASONS, type AuthenticationResponse, type WebauthnReason } from '../../../shared/schemas/webauthn';
import { operatorActor, type ServiceContext } from '../context';
import { requireMethodEnabled } from '../factors';
import {
  authenticationOptions,
  commitAssertion,
  consumeChallenge,
  credentialDetails,
  freshChallenge,
  issueConsoleChallenge,
  precheck,
  verifyAssertion,
  type VerifiedAssertion,
} from '../webauthn/ceremony';
import type { RelyingParty } from '../webauthn/relyingParty';
import { openSession, signedIn, type ConsoleSession } from './sessions';
import type { RequestMeta } from './state';
import { openTicket, secondStepFailed, takeTicket, ticketLive } from './tickets';

/**
 * Step two with a security key or passkey instead of the TOTP code: options
 * listing the operator's keys for this console address, with a challenge
 * bound to them. The ticket stays valid for the code meanwhile.
 */
export async function webauthnLoginOptions(
  ctx: ServiceContext,
  ticketText: string,
  rp: RelyingParty,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  requireMethodEnabled(ctx, 'webauthn');
  const { op } = openTicket(ctx, ticketText, 'totp');
  const allow = ctx.store.webauthn.forOperator(op.id).filter((c) => c.rp_id === rp.id && c.flagged_at === null);
  if (allow.length === 0) {
    throw new TesseraError('conflict', `You have no usable security key for ${rp.id}; use the code from your authenticator app`);
  }
  const challenge = freshChallenge();
  const options = await authenticationOptions({ rp, challenge, allow });
  const now = ctx.clock();
  ctx.store.tx(() => {
    issueConsoleChallenge(ctx, challenge, { purpose: 'authenticate', rpId: rp.id, operatorId: op.id, actor: operatorActor(op, meta.ip) }, now);
  });
  return options;
}

/**
 * Step two with a security key: the assertion must answer a challenge
 * issued to this operator for this console address, come from its origin,
 * verify with one of their keys, and its signature counter must grow (a
 * counter that does not flags the key, refused from then on). A refusal
 * counts like a wrong code (ticket attempts and the operator's throttle),
 * with the reason in the audit entry.
 */
export async function completeWebauthnLogin(
  ctx: ServiceContext,
  input: { ticket: string; response: AuthenticationResponse },
  rp: RelyingParty,
  meta: RequestMeta,
): Promise<ConsoleSession> {
  requireMethodEnabled(ctx, 'webauthn');
  const { ticketKey, ticket, op, now } = openTicket(ctx, input.ticket, 'totp');
  const pre = precheck(ctx, input.response, 'webauthn.get', rp, { purpose: 'authenticate', rpId: rp.id, apiKeyId: null, operatorId: op.id, userId: null }, now);
  const cred = pre.credentialId ? ctx.store.webauthn.findByCredentialId(pre.credentialId) : undefined;
  let reason: WebauthnReason | null = pre.failure;
  if (!reason && (!cred || cred.operator_id !== op.id || cred.rp_id !== rp.id)) reason = 'unknown_credential';
  if (!reason && cred!.flagged_at !== null) reason = 'credential_flagged';
  let verified: VerifiedAssertion | null = null;
  if (!reason) {
    const v = await verifyAssertion(rp, pre.challenge!.challenge, cred!, input.response);
    if (v.ok) verified = v;
    else reason = v.reason;
  }
  const outcome = ctx.store.tx((): { sessionId: string } | { reason: WebauthnReason } => {
    const consumed = consumeChallenge(ctx, pre);
    if (!reason && !consumed) reason = 'challenge_unknown_or_used';
    if (!reason && !ticketLive(ctx, ticketKey, 'totp', now)) reason = 'challenge_unknown_or_used';
    let counterInfo: Record<string, unknown> = {};
    if (!reason && verified) {
      const commit = commitAssertion(ctx, cred!.id, verified, ctx.clock());
      if (!commit.ok) ({ reason, details: counterInfo } = commit);
    }
    const details = {
      method: 'webauthn',
      rpId: rp.id,
      ...(cred && cred.operator_id === op.id ? { credentialId: cred.id, ...credentialDetails(cred) } : {}),
      ...counterInfo,
    };
    if (reason || !verified) {
      secondStepFailed(ctx, ticketKey, ticket, op, meta, reason ?? 'unknown_credential', details);
      return { reason: reason ?? 'unknown_credential' };
    }
    // Live a moment ago in this same write transaction (serialised on every node): ours to use up.
    takeTicket(ctx, ticketKey, 'totp', now);
    return { sessionId: openSession(ctx, op, meta, now, {}, { ...details, userVerified: verified.userVerified }) };
  });
  if ('reason' in outcome) throw new TesseraError('invalid_code', WEBAUTHN_REASONS[outcome.reason]);
  return signedIn(ctx, outcome.sessionId, op.id, now);
}
