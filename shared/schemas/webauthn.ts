import { z } from 'zod';
import { cleanText, Username } from './text';
import { FactorView } from './factors';
import { isIpLiteral } from '../format';

/**
 * WebAuthn (security keys and passkeys): the relying-party configuration of
 * an application, the ceremony inputs and results of the REST API, and the
 * console's shapes. The browser's responses are checked for shape and size
 * here; their cryptography is checked on the server.
 */

// ---------------------------------------------------------------------------
// Relying party of an application

/** A valid RP ID: a lowercase DNS name (`example.com`, `login.example.com`, `localhost`), never an IP address. */
export function rpIdProblem(rpId: string): string | null {
  if (rpId.length === 0 || rpId.length > 253) return 'RP ID must be a host name of 1–253 characters';
  if (isIpLiteral(rpId)) return 'RP ID cannot be an IP address: WebAuthn needs a host name (e.g. localhost or login.example.com)';
  const labels = rpId.split('.');
  if (!labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
    return 'RP ID must be a host name: letters, digits, hyphens and dots, without a scheme, port or path';
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'RP ID cannot end in a number';
  return null;
}

/**
 * Normalises an allowed origin to its serialised form (`https://login.example.com`,
 * `http://localhost:3000`) and checks it can serve `rpId`: https (http only on
 * localhost, which browsers treat as secure), and a host equal to the RP ID or
 * under it. Returns the origin or a problem.
 */
export function checkOrigin(input: string, rpId: string): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { problem: `"${input}" is not an origin like https://login.example.com` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `"${input}" must start with https:// (or http:// for localhost)` };
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return { problem: `"${input}" must be an origin only: scheme, host and port, no path` };
  }
  if (input.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) {
    return { problem: `"${input}" must be an origin only: scheme, host and port, no path` };
  }
  const host = url.hostname;
  const localhost = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol === 'http:' && !localhost) return { problem: `"${input}" must use https:// (browsers allow WebAuthn over http only on localhost)` };
  if (host !== rpId && !host.endsWith(`.${rpId}`)) return { problem: `"${input}" is not on the RP ID ${rpId} or one of its subdomains` };
  return { origin: url.origin };
}

export const Aaguid = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'AAGUID must look like cb69481e-8ff7-4039-93ec-0a2729a154a8');

/** What an admin sets for an application (API key): the relying party its users' keys belong to. */
export const WebauthnRpInput = z
  .object({
    rpId: z.string().trim().toLowerCase(),
    rpName: cleanText(64, 'RP name'),
    origins: z.array(z.string().trim().max(300)).min(1, 'Add at least one allowed origin').max(10, 'At most 10 origins'),
    requireUserVerification: z.boolean().optional().default(false),
    /** Only these authenticator models may register (empty or absent: any). */
    aaguids: z.array(Aaguid).max(100, 'At most 100 AAGUIDs').optional().default([]),
  })
  .strict()
  .transform((rp, ctx) => {
    const problem = rpIdProblem(rp.rpId);
    if (problem) ctx.addIssue({ code: 'custom', path: ['rpId'], message: problem });
    const origins: string[] = [];
    rp.origins.forEach((o, i) => {
      const r = checkOrigin(o, rp.rpId);
      if ('problem' in r) {
        if (!problem) ctx.addIssue({ code: 'custom', path: ['origins', i], message: r.problem });
      } else if (!origins.includes(r.origin)) origins.push(r.origin);
    });
    return { ...rp, origins, aaguids: [...new Set(rp.aaguids)] };
  });
export type WebauthnRpInput = z.output<typeof WebauthnRpInput>;

export const WebauthnRpConfig = z.object({
  rpId: z.string(),
  rpName: z.string(),
  origins: z.array(z.string()),
  requireUserVerification: z.boolean(),
  aaguids: z.array(z.string()),
  updatedAt: z.string(),
});
export type WebauthnRpConfig = z.infer<typeof WebauthnRpConfig>;

export const SetWebauthnRpInput = z.object({ apiKeyId: z.string().min(1).max(64), rp: WebauthnRpInput.nullable() }).strict();
export type SetWebauthnRpInput = z.output<typeof SetWebauthnRpInput>;

// ---------------------------------------------------------------------------
// What the browser sends back (as @simplewebauthn/browser or toJSON() gives it)

const b64url = (label: string, max: number) =>
  z
    .string({ error: `${label} must be base64url text` })
    .max(max, `${label} is too long`)
    .regex(/^[A-Za-z0-9_-]*$/, `${label} must be base64url`);

/** ≤ 1023 bytes (WebAuthn §5.1.3): 1364 base64url characters. */
const CredentialIdText = b64url('Credential id', 1364).min(1, 'Credential id is required');

const Transport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The browser's extension outputs: an object (not read by Tessera), bounded in size. */
const ExtensionResults = z.unknown().superRefine((v, ctx) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) ctx.addIssue({ code: 'custom', message: 'clientExtensionResults must be an object' });
  else if (JSON.stringify(v).length > 2048) ctx.addIssue({ code: 'custom', message: 'clientExtensionResults is too large' });
});

export const RegistrationResponse = z.object({
  id: CredentialIdText,
  rawId: CredentialIdText,
  type: z.literal('public-key', { error: 'type must be "public-key"' }),
  response: z.object({
    clientDataJSON: b64url('clientDataJSON', 8192),
    attestationObject: b64url('attestationObject', 48_000),
    authenticatorData: b64url('authenticatorData', 8192).optional(),
    transports: z
      .array(z.string().max(32))
      .max(10)
      .optional()
      .transform((t) => t?.filter((x): x is z.infer<typeof Transport> => Transport.safeParse(x).success)),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url('publicKey', 8192).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ExtensionResults,
});
export type RegistrationResponse = z.output<typeof RegistrationResponse>;

export const AuthenticationResponse = z.object({
  id: CredentialIdText,
  rawId: CredentialIdText,
  type: z.literal('public-key', { error: 'type must be "public-key"' }),
  response: z.object({
    clientDataJSON: b64url('clientDataJSON', 8192),
    authenticatorData: b64url('authenticatorData', 8192),
    signature: b64url('signature', 8192),
    userHandle: b64url('userHandle', 128).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ExtensionResults,
});
export type AuthenticationResponse = z.output<typeof AuthenticationResponse>;

// ---------------------------------------------------------------------------
// REST inputs and results

export const WebauthnRegistrationOptionsInput = z.object({ user: Username }).strict();
export const WebauthnRegistrationVerifyInput = z
  .object({
    user: Username,
    response: RegistrationResponse,
    label: cleanText(64, 'Label').optional(),
  })
  .strict();
export type WebauthnRegistrationVerifyInput = z.output<typeof WebauthnRegistrationVerifyInput>;

export const WebauthnAuthenticationOptionsInput = z.object({ user: Username.optional() }).strict().optional().default({});
export const WebauthnAuthenticationVerifyInput = z.object({ response: AuthenticationResponse }).strict();
export type WebauthnAuthenticationVerifyInput = z.output<typeof WebauthnAuthenticationVerifyInput>;

/**
 * Why a WebAuthn response was refused: stable codes an application can branch
 * on. Every refusal is audited with the same code.
 */
export const WEBAUTHN_REASONS = {
  challenge_unknown_or_used: 'The challenge in this response was never issued to this application, or was already used: start again',
  challenge_expired: 'The challenge in this response has expired (they last 5 minutes): start again',
  origin_mismatch: "The response comes from an origin that is not on this application's allow list",
  rp_id_mismatch: "The response was made for another relying party (RP ID) than this application's",
  type_mismatch: 'The response is not of the expected kind (registration vs. authentication)',
  user_presence_required: 'The authenticator did not report the user as present',
  user_verification_required: 'This application requires user verification (PIN or biometrics), and the authenticator did not verify the user',
  algorithm_not_allowed: 'The credential uses a signature algorithm that was not offered',
  aaguid_not_allowed: "This authenticator model is not on the application's allow list",
  credential_exists: 'This security key or passkey is already registered',
  credential_id_too_long: 'The credential id is longer than 1023 bytes',
  too_many_factors: 'This user already has the most factors allowed; remove one first',
  unknown_credential: 'No security key or passkey with this id is registered with this application',
  credential_not_allowed: 'This security key or passkey belongs to another user than the one signing in',
  credential_flagged: 'This security key or passkey was flagged as possibly cloned and is refused until an operator removes it',
  counter_regression: 'The signature counter did not grow: the key may have been cloned. It is now flagged and refused',
  bad_signature: 'The signature does not verify with the registered public key',
  attestation_invalid: "The authenticator's attestation does not verify",
  malformed_response: 'The response could not be read as a WebAuthn response',
  throttled: 'Too many recent failures: retry later',
  locked: 'The user is locked out after too many failures',
  user_disabled: 'This user is disabled (they left the directory or are disabled there)',
} as const;
export type WebauthnReason = keyof typeof WEBAUTHN_REASONS;
export const WebauthnReason = z.enum(Object.keys(WEBAUTHN_REASONS) as [WebauthnReason, ...WebauthnReason[]]);

export const WebauthnFailure = z.object({
  ok: z.literal(false),
  reason: WebauthnReason,
  message: z.string(),
  retryAfterSeconds: z.number().int().optional(),
});
export type WebauthnFailure = z.infer<typeof WebauthnFailure>;

export const WebauthnRegistrationResult = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), factor: FactorView }), WebauthnFailure]);
export type WebauthnRegistrationResult = z.infer<typeof WebauthnRegistrationResult>;

export const WebauthnAuthenticationResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    user: z.string(),
    factor: z.object({ id: z.string(), type: z.literal('webauthn') }),
    userVerified: z.boolean(),
  }),
  WebauthnFailure,
]);
export type WebauthnAuthenticationResult = z.infer<typeof WebauthnAuthenticationResult>;

/** The options to pass to `navigator.credentials.create` (via @simplewebauthn/browser's startRegistration). */
export const CreationOptionsJSON = z.looseObject({
  challenge: z.string(),
  rp: z.object({ id: z.string().optional(), name: z.string() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number() })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(z.object({ id: z.string(), type: z.literal('public-key'), transports: z.array(z.string()).optional() })).optional(),
  authenticatorSelection: z.looseObject({}).optional(),
  attestation: z.string().optional(),
});

/** The options to pass to `navigator.credentials.get` (via startAuthentication). */
export const RequestOptionsJSON = z.looseObject({
  challenge: z.string(),
  rpId: z.string().optional(),
  timeout: z.number().optional(),
  allowCredentials: z.array(z.object({ id: z.string(), type: z.literal('public-key'), transports: z.array(z.string()).optional() })).optional(),
  userVerification: z.enum(['required', 'preferred', 'discouraged']).optional(),
});

// ---------------------------------------------------------------------------
// Console: the operator's own keys

/** Re-authentication before an operator changes their own factors: the current password, or a fresh code. */
export const Reauth = z.union([
  z.object({ password: z.string().min(1, 'Password is required').max(1024) }).strict(),
  z
    .object({
      code: z
        .string()
        .transform((s) => s.replace(/\s+/g, ''))
        .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app')),
    })
    .strict(),
]);
export type Reauth = z.output<typeof Reauth>;

export const OperatorKeyView = z.object({
  id: z.string(),
  label: z.string(),
  aaguid: z.string(),
  model: z.string(),
  rpId: z.string(),
  backedUp: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  flagged: z.boolean(),
});
export type OperatorKeyView = z.infer<typeof OperatorKeyView>;
