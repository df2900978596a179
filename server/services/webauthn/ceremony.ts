import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { TesseraError } from '../../../shared/errors';
import {
  WEBAUTHN_REASONS,
  type AuthenticationResponse,
  type RegistrationResponse,
  type WebauthnFailure,
  type WebauthnReason,
} from '../../../shared/schemas/webauthn';
import { authenticatorModel, UNKNOWN_MODEL } from '../../../shared/webauthn/authenticatorModels';
import { defaultRandomBytes } from '../../core/random';
import { CHALLENGE_TTL_MS, checkChallenge, newChallenge, type ChallengeBinding, type StoredChallenge } from '../../core/webauthn/challenge';
import { decodeBase64Url, encodeBase64Url, MAX_CREDENTIAL_ID_BYTES, parseClientData, parseCredentialId } from '../../core/webauthn/clientData';
import { reasonForLibraryError } from '../../core/webauthn/libraryErrors';
import { evaluateSignCount } from '../../core/webauthn/signCount';
import type { WebauthnChallengeRow, WebauthnCredentialRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import type { RelyingParty } from './relyingParty';

/**
 * The parts of a WebAuthn ceremony that application users and operators
 * share: issuing a challenge, reading a response before any cryptography,
 * the library's verification (mapped onto stable reasons), and the
 * single-use consumption of the challenge plus the signature-counter rule in
 * the caller's transaction.
 *
 * Every use case runs as: read and check (no writes) → verify the signature
 * (async) → ONE transaction that consumes the challenge, re-checks what
 * could have changed meanwhile, writes and appends exactly one audit entry.
 */

/** A challenge may be held open by one application at most this many at a time. */
export const MAX_OPEN_CHALLENGES_PER_KEY = 10_000;

export function failure(reason: WebauthnReason, retryAfterSeconds?: number): WebauthnFailure {
  return { ok: false, reason, message: WEBAUTHN_REASONS[reason], ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
}

function storedChallenge(row: WebauthnChallengeRow): StoredChallenge {
  return {
    challenge: row.challenge,
    purpose: row.purpose,
    rpId: row.rp_id,
    apiKeyId: row.api_key_id,
    operatorId: row.operator_id,
    userId: row.user_id,
    expiresAt: row.expires_at,
  };
}

/**
 * An operator's console challenge (sign-in or registering a key): stored and
 * audited as 'webauthn.challenge'. Runs inside the caller's transaction.
 */
export function issueConsoleChallenge(
  ctx: ServiceContext,
  challenge: string,
  c: { purpose: 'authenticate' | 'register'; rpId: string; operatorId: string; actor: Actor },
  now: number,
): void {
  insertChallenge(ctx, challenge, { purpose: c.purpose, rpId: c.rpId, apiKeyId: null, operatorId: c.operatorId, userId: null }, now);
  ctx.audit.append({
    actor: c.actor,
    action: 'webauthn.challenge',
    outcome: 'success',
    details: { purpose: c.purpose, rpId: c.rpId, operatorId: c.operatorId, console: true },
  });
}

/** Stores a fresh challenge for `binding`. Runs inside the caller's transaction. */
export function insertChallenge(ctx: ServiceContext, challenge: string, binding: ChallengeBinding, now: number): void {
  if (!ctx.store.db.inTransaction()) throw new Error('insertChallenge must run inside a transaction');
  if (binding.apiKeyId !== null && ctx.store.webauthn.openChallengesForKey(binding.apiKeyId, now) >= MAX_OPEN_CHALLENGES_PER_KEY) {
    throw new TesseraError('throttled', 'This application holds too many unused WebAuthn challenges; retry in a few minutes', { retryAfterSeconds: 60 });
  }
  ctx.store.webauthn.insertChallenge({
    challenge,
    purpose: binding.purpose,
    rp_id: binding.rpId,
    api_key_id: binding.apiKeyId,
    operator_id: binding.operatorId,
    user_id: binding.userId,
    created_at: now,
    expires_at: now + CHALLENGE_TTL_MS,
  });
}

export function freshChallenge(): string {
  return newChallenge(defaultRandomBytes);
}

export function transportsOf(row: Pick<WebauthnCredentialRow, 'transports'>): AuthenticatorTransport[] {
  return JSON.parse(row.transports) as AuthenticatorTransport[];
}

/** Whom a key is registered for: an application's user or an operator (both rows carry these). */
export interface KeyHolder {
  id: string;
  username: string;
  display_name: string | null;
}

/**
 * Options for navigator.credentials.create: the holder's id is the user
 * handle, the display name falls back to the username, and `exclude` (the
 * keys they already hold with this relying party) are not registered twice.
 */
export function registrationOptions(
  rp: RelyingParty,
  challenge: string,
  holder: KeyHolder,
  exclude: WebauthnCredentialRow[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: holder.username,
    userID: new TextEncoder().encode(holder.id),
    userDisplayName: holder.display_name ?? holder.username,
    // As bytes: a string would be taken as UTF-8 text and encoded once more.
    challenge: new Uint8Array(decodeBase64Url(challenge)!),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map((c) => ({ id: encodeBase64Url(c.credential_id), transports: transportsOf(c) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: rp.requireUserVerification ? 'required' : 'preferred' },
  });
}

export function authenticationOptions(opts: {
  rp: RelyingParty;
  challenge: string;
  allow: WebauthnCredentialRow[] | null;
}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: opts.rp.id,
    challenge: new Uint8Array(decodeBase64Url(opts.challenge)!),
    timeout: CHALLENGE_TTL_MS,
    userVerification: opts.rp.requireUserVerification ? 'required' : 'preferred',
    ...(opts.allow ? { allowCredentials: opts.allow.map((c) => ({ id: encodeBase64Url(c.credential_id), transports: transportsOf(c) })) } : {}),
  });
}

// ---------------------------------------------------------------------------
// Reading a response before verifying it

export interface Precheck {
  /** The challenge row the client data names (looked up, not consumed). */
  challenge: WebauthnChallengeRow | undefined;
  /** Whether the final transaction deletes that row (a valid or expired challenge of this ceremony). */
  consume: boolean;
  credentialId: Uint8Array | null;
  failure: WebauthnReason | null;
}

/**
 * Checks, without writing, what can be checked before the signature: the
 * response's shape and type, its challenge (issued for this ceremony, unused,
 * unexpired) and its origin (on the relying party's allow list).
 */
export function precheck(
  ctx: ServiceContext,
  response: RegistrationResponse | AuthenticationResponse,
  expectedType: 'webauthn.create' | 'webauthn.get',
  rp: RelyingParty,
  binding: ChallengeBinding,
  now: number,
): Precheck {
  const out: Precheck = { challenge: undefined, consume: false, credentialId: null, failure: null };
  if (response.id !== response.rawId) return { ...out, failure: 'malformed_response' };
  out.credentialId = parseCredentialId(response.id);
  if (!out.credentialId) {
    const raw = decodeBase64Url(response.id);
    return { ...out, failure: raw && raw.length > MAX_CREDENTIAL_ID_BYTES ? 'credential_id_too_long' : 'malformed_response' };
  }
  const clientData = parseClientData(response.response.clientDataJSON);
  if (!clientData) return { ...out, failure: 'malformed_response' };
  const row = ctx.store.webauthn.findChallenge(clientData.challenge);
  const decision = checkChallenge(row && storedChallenge(row), binding, now);
  if (row && (decision.ok || decision.consume)) {
    out.challenge = row;
    out.consume = true;
  }
  if (!decision.ok) return { ...out, failure: decision.reason };
  if (clientData.type !== expectedType) return { ...out, failure: 'type_mismatch' };
  if (!rp.origins.includes(clientData.origin) || clientData.crossOrigin) return { ...out, failure: 'origin_mismatch' };
  return out;
}

// ---------------------------------------------------------------------------
// Verifying (async: the library uses WebCrypto)

/** What a response must match, for both ceremonies: the challenge issued, the relying party's origins and ID, the ceremony type and its user-verification rule. */
function expectedOf(rp: RelyingParty, challenge: string, type: 'webauthn.create' | 'webauthn.get') {
  return {
    expectedChallenge: challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    expectedType: type,
    requireUserVerification: rp.requireUserVerification,
  };
}

export interface VerifiedRegistration {
  ok: true;
  credentialId: Uint8Array;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  userVerified: boolean;
}

export type RegistrationVerification = VerifiedRegistration | { ok: false; reason: WebauthnReason; aaguid?: string };

/** Verifies an attestation against the challenge and relying party; applies the AAGUID allow list. */
export async function verifyRegistration(rp: RelyingParty, challenge: string, response: RegistrationResponse): Promise<RegistrationVerification> {
  let info;
  try {
    const r = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      ...expectedOf(rp, challenge, 'webauthn.create'),
      requireUserPresence: true,
    });
    if (!r.verified) return { ok: false, reason: 'attestation_invalid' };
    info = r.registrationInfo;
  } catch (err) {
    return { ok: false, reason: reasonForLibraryError(err) };
  }
  const credentialId = parseCredentialId(info.credential.id);
  if (!credentialId) return { ok: false, reason: 'credential_id_too_long' };
  const aaguid = info.aaguid.toLowerCase();
  if (rp.aaguids.length > 0 && !rp.aaguids.includes(aaguid)) return { ok: false, reason: 'aaguid_not_allowed', aaguid };
  return {
    ok: true,
    credentialId,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: info.credential.transports ?? response.response.transports ?? [],
    aaguid,
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    userVerified: info.userVerified,
  };
}

export interface VerifiedAssertion {
  ok: true;
  newCounter: number;
  userVerified: boolean;
  backedUp: boolean;
}

/**
 * Verifies an assertion's signature with the stored public key. The counter
 * rule is applied afterwards, in the transaction (commitAssertion), so that
 * only a validly signed response can flag a credential.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  challenge: string,
  credential: WebauthnCredentialRow,
  response: AuthenticationResponse,
): Promise<VerifiedAssertion | { ok: false; reason: WebauthnReason }> {
  try {
    const r = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      ...expectedOf(rp, challenge, 'webauthn.get'),
      // 0 here: the library's own counter check would run before the signature check.
      credential: { id: response.id, publicKey: new Uint8Array(credential.public_key), counter: 0, transports: transportsOf(credential) },
    });
    if (!r.verified) return { ok: false, reason: 'bad_signature' };
    return {
      ok: true,
      newCounter: r.authenticationInfo.newCounter,
      userVerified: r.authenticationInfo.userVerified,
      backedUp: r.authenticationInfo.credentialBackedUp,
    };
  } catch (err) {
    return { ok: false, reason: reasonForLibraryError(err) };
  }
}

// ---------------------------------------------------------------------------
// In the final transaction

/** Deletes the pre-checked challenge; false when someone used it in the meantime (a concurrent replay). */
export function consumeChallenge(ctx: ServiceContext, pre: Precheck): boolean {
  if (!pre.challenge || !pre.consume) return false;
  return ctx.store.webauthn.consumeChallenge(pre.challenge.challenge) !== undefined;
}

export type RegistrationCheck =
  | { ok: true; registration: VerifiedRegistration; details: { aaguid: string; model: string } }
  /** `details`: the authenticator's model, when the response got far enough to name it (for the audit entry). */
  | { ok: false; reason: WebauthnReason; details: Record<string, unknown> };

/**
 * A registration's checks in the final transaction, for users and operators
 * alike and in this order: the pre-check, the challenge consumed just now,
 * the attestation, a credential not stored yet (for anyone), and room for
 * one more key (`isFull`, the holder's own limit).
 */
export function checkRegistration(
  ctx: ServiceContext,
  pre: Precheck,
  consumed: boolean,
  verified: RegistrationVerification | null,
  isFull: () => boolean,
): RegistrationCheck {
  if (pre.failure) return { ok: false, reason: pre.failure, details: {} };
  if (!consumed) return { ok: false, reason: 'challenge_unknown_or_used', details: {} };
  if (!verified || !verified.ok)
    return { ok: false, reason: verified?.reason ?? 'malformed_response', details: verified?.aaguid ? modelDetails(verified.aaguid) : {} };
  const details = modelDetails(verified.aaguid);
  if (ctx.store.webauthn.findByCredentialId(verified.credentialId)) return { ok: false, reason: 'credential_exists', details };
  if (isFull()) return { ok: false, reason: 'too_many_factors', details };
  return { ok: true, registration: verified, details };
}

export type AssertionCommit =
  | { ok: true; counter: number }
  /** `details`: for a counter regression, both counters and that the key is now flagged (for the audit entry). */
  | { ok: false; reason: 'credential_flagged' | 'unknown_credential' | 'counter_regression'; details: Record<string, unknown> };

/**
 * Applies the signature-counter rule to a verified assertion: a counter that
 * does not grow flags the credential (refused from now on); one that grows is
 * stored. Runs inside the caller's transaction, on the row as it is now.
 */
export function commitAssertion(ctx: ServiceContext, credentialRowId: string, verified: VerifiedAssertion, now: number): AssertionCommit {
  const fresh = ctx.store.webauthn.find(credentialRowId);
  if (!fresh) return { ok: false, reason: 'unknown_credential', details: {} };
  if (fresh.flagged_at !== null) return { ok: false, reason: 'credential_flagged', details: {} };
  const decision = evaluateSignCount(fresh.counter, verified.newCounter);
  if (!decision.ok) {
    ctx.store.webauthn.flag(fresh.id, 'counter_regression', now);
    return { ok: false, reason: 'counter_regression', details: { storedCounter: decision.stored, receivedCounter: decision.received, flagged: true } };
  }
  if (!ctx.store.webauthn.advance(fresh.id, fresh.counter, decision.next, verified.backedUp, now)) {
    throw new Error('webauthn credential changed inside its transaction');
  }
  return { ok: true, counter: decision.next };
}

/** An authenticator's AAGUID and model name, as audit entries carry them. */
export function modelDetails(aaguid: string): { aaguid: string; model: string } {
  return { aaguid, model: authenticatorModel(aaguid) };
}

/** The name a new key gets when none is given: its model, else "Security key". */
export function defaultKeyLabel(aaguid: string): string {
  const model = authenticatorModel(aaguid);
  return model === UNKNOWN_MODEL ? 'Security key' : model;
}

/** Stores a verified credential, for a user's factor or for an operator. Inside the caller's transaction. */
export function insertCredential(
  ctx: ServiceContext,
  id: string,
  owner: { factorId: string } | { operatorId: string },
  rpId: string,
  v: VerifiedRegistration,
  label: string | null,
  now: number,
): void {
  ctx.store.webauthn.insert({
    id,
    factor_id: 'factorId' in owner ? owner.factorId : null,
    operator_id: 'operatorId' in owner ? owner.operatorId : null,
    rp_id: rpId,
    credential_id: Buffer.from(v.credentialId),
    public_key: Buffer.from(v.publicKey),
    counter: v.counter,
    transports: JSON.stringify(v.transports),
    aaguid: v.aaguid,
    backed_up: v.backedUp ? 1 : 0,
    device_type: v.deviceType,
    label,
    created_at: now,
  });
}

/** What an audit entry says about a credential (never anything secret: there is nothing secret). */
export function credentialDetails(c: Pick<WebauthnCredentialRow, 'aaguid' | 'rp_id'>): Record<string, unknown> {
  return { ...modelDetails(c.aaguid), rpId: c.rp_id };
}
