import { randomUUID } from 'node:crypto';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { TesseraError } from '../../../shared/errors';
import { WEBAUTHN_REASONS, type OperatorKeyView, type Reauth, type RegistrationResponse, type WebauthnReason } from '../../../shared/schemas/webauthn';
import { authenticatorModel } from '../../../shared/webauthn/authenticatorModels';
import type { OperatorRow, WebauthnCredentialRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { requireMethodEnabled } from '../factors';
import { reauthenticate } from '../operatorAuth/reauth';
import type { RequestMeta } from '../operatorAuth/state';
import { iso } from '../wireViews';
import {
  checkRegistration,
  consumeChallenge,
  credentialDetails,
  defaultKeyLabel,
  freshChallenge,
  issueConsoleChallenge,
  insertCredential,
  precheck,
  registrationOptions,
  verifyRegistration,
} from './ceremony';
import type { RelyingParty } from './relyingParty';

/**
 * An operator's own security keys and passkeys for signing in to the console
 * (instead of the TOTP code after the password). Changing them needs
 * re-authentication in the same call: starting a registration and removing a
 * key take the current password or a fresh code; finishing a registration
 * answers the challenge that was issued only after that.
 */

/** Keys an operator may hold. */
export const MAX_OPERATOR_KEYS = 10;

export function toOperatorKeyView(c: WebauthnCredentialRow): OperatorKeyView {
  const model = authenticatorModel(c.aaguid);
  return {
    id: c.id,
    label: c.label ?? model,
    aaguid: c.aaguid,
    model,
    rpId: c.rp_id,
    backedUp: c.backed_up === 1,
    createdAt: iso(c.created_at)!,
    lastUsedAt: iso(c.last_used_at),
    flagged: c.flagged_at !== null,
  };
}

export function listOperatorKeys(ctx: ServiceContext, operatorId: string): OperatorKeyView[] {
  return ctx.store.webauthn.forOperator(operatorId).map(toOperatorKeyView);
}

export async function operatorRegistrationOptions(
  ctx: ServiceContext,
  op: OperatorRow,
  rp: RelyingParty,
  reauth: Reauth,
  meta: RequestMeta,
  actor: Actor,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireMethodEnabled(ctx, 'webauthn');
  const existing = ctx.store.webauthn.forOperator(op.id);
  if (existing.length >= MAX_OPERATOR_KEYS) throw new TesseraError('conflict', `You already have ${MAX_OPERATOR_KEYS} security keys; remove one first`);
  const proof = await reauthenticate(ctx, op.id, reauth, meta);
  const challenge = freshChallenge();
  const options = await registrationOptions(
    rp,
    challenge,
    op,
    existing.filter((c) => c.rp_id === rp.id),
  );
  const now = ctx.clock();
  ctx.store.tx(() => {
    if (!proof.commit()) throw new TesseraError('invalid_code', 'That code was already used; wait for the next one');
    issueConsoleChallenge(ctx, challenge, { purpose: 'register', rpId: rp.id, operatorId: op.id, actor }, now);
  });
  return options;
}

/** Finishes an operator's registration; a refusal is audited and thrown with its reason. */
export async function operatorVerifyRegistration(
  ctx: ServiceContext,
  op: OperatorRow,
  rp: RelyingParty,
  response: RegistrationResponse,
  label: string | undefined,
  actor: Actor,
): Promise<OperatorKeyView> {
  requireMethodEnabled(ctx, 'webauthn');
  const now = ctx.clock();
  const pre = precheck(ctx, response, 'webauthn.create', rp, { purpose: 'register', rpId: rp.id, apiKeyId: null, operatorId: op.id, userId: null }, now);
  const verified = pre.failure === null ? await verifyRegistration(rp, pre.challenge!.challenge, response) : null;
  const outcome = ctx.store.tx((): OperatorKeyView | { reason: WebauthnReason } => {
    const fail = (reason: WebauthnReason, details: Record<string, unknown> = {}) => {
      ctx.audit.append({ actor, action: 'operator.webauthn.register', outcome: 'failure', reason, details: { operatorId: op.id, rpId: rp.id, ...details } });
      return { reason };
    };
    const consumed = consumeChallenge(ctx, pre);
    const checked = checkRegistration(ctx, pre, consumed, verified, () => ctx.store.webauthn.forOperator(op.id).length >= MAX_OPERATOR_KEYS);
    if (!checked.ok) return fail(checked.reason, checked.details);
    const { registration, details } = checked;
    const id = randomUUID();
    insertCredential(ctx, id, { operatorId: op.id }, rp.id, registration, label ?? defaultKeyLabel(registration.aaguid), now);
    ctx.audit.append({
      actor,
      action: 'operator.webauthn.register',
      outcome: 'success',
      details: { operatorId: op.id, credentialId: id, rpId: rp.id, ...details, userVerified: registration.userVerified, backedUp: registration.backedUp },
    });
    return toOperatorKeyView(ctx.store.webauthn.find(id)!);
  });
  if ('reason' in outcome) throw new TesseraError('bad_request', WEBAUTHN_REASONS[outcome.reason]);
  return outcome;
}

/** Removes one of the operator's own keys (a flagged one too), after re-authentication. */
export async function removeOperatorKey(
  ctx: ServiceContext,
  op: OperatorRow,
  id: string,
  reauth: Reauth,
  meta: RequestMeta,
  actor: Actor,
): Promise<{ ok: true }> {
  const key = ctx.store.webauthn.find(id);
  if (!key || key.operator_id !== op.id) throw new TesseraError('not_found', 'You have no security key with that id');
  const proof = await reauthenticate(ctx, op.id, reauth, meta);
  ctx.store.tx(() => {
    if (!proof.commit()) throw new TesseraError('invalid_code', 'That code was already used; wait for the next one');
    if (!ctx.store.webauthn.deleteForOperator(op.id, id)) throw new TesseraError('not_found', 'You have no security key with that id');
    ctx.audit.append({
      actor,
      action: 'operator.webauthn.remove',
      outcome: 'success',
      details: { operatorId: op.id, credentialId: id, label: key.label, ...credentialDetails(key), wasFlagged: key.flagged_at !== null },
    });
  });
  return { ok: true };
}
