import { z } from 'zod';
import { ErrorBodySchema } from './schemas';
import { route, type RestRoute } from './route';
import { VerifyInput, VerifyResult } from '../../../shared/schemas/verify';
import { CreateUserInput, ListUsersInput, ReasonInput, UpdateUserInput, UserDetail, UserPage, UserSummary } from '../../../shared/schemas/users';
import { ChallengeInput, ChallengeResult } from '../../../shared/schemas/challenge';
import {
  ConfirmFactorInput,
  EnrollAnyFactorInput,
  type EnrollFactorInput,
  EnrolledDeliveredFactor,
  EnrolledFactor,
  FactorView,
  RecoveryCodesIssued,
} from '../../../shared/schemas/factors';
import { AuditPage, AuditQuery, AuditVerifyResult } from '../../../shared/schemas/audit';
import { Id, Username } from '../../../shared/schemas/text';
import {
  CreationOptionsJSON,
  RequestOptionsJSON,
  WebauthnAuthenticationOptionsInput,
  WebauthnAuthenticationResult,
  WebauthnAuthenticationVerifyInput,
  WebauthnRegistrationOptionsInput,
  WebauthnRegistrationResult,
  WebauthnRegistrationVerifyInput,
} from '../../../shared/schemas/webauthn';
import { challenge, factors, recoveryCodes, users, verify, webauthn } from '../../services/index';

const UserParams = z.object({ username: Username });
const FactorParams = z.object({ username: Username, id: Id });

function isOtpEnrollment(input: EnrollAnyFactorInput): input is EnrollFactorInput {
  return input.type === 'totp' || input.type === 'hotp';
}

const err = (description: string) => ({ description, schema: ErrorBodySchema });

/** A check's answer: 200, except a throttled (429) or locked (423) user, with Retry-After. */
function checkReply(result: { ok: true } | { ok: false; reason: string; retryAfterSeconds?: number }) {
  if (result.ok || (result.reason !== 'throttled' && result.reason !== 'locked')) return { status: 200, body: result };
  const retry = String(result.retryAfterSeconds ?? 1);
  return { status: result.reason === 'locked' ? 423 : 429, body: result, headers: { 'retry-after': retry } };
}
const common = { 400: err('Invalid input'), 401: err('Missing, malformed or revoked API key'), 403: err('The key lacks the scope') };
/** The refusals checkReply answers with, documented with the check's own result schema. */
const lockoutResponses = (schema: z.ZodType) => ({
  423: { description: 'The user is locked out', schema },
  429: { description: 'Too many recent failures: retry later', schema },
});

export const REST_ROUTES: RestRoute[] = [
  route({
    method: 'POST',
    path: '/verify',
    operationId: 'verify',
    tag: 'Verify',
    scopes: ['verify'],
    summary: "Check a user's one-time code or recovery code",
    body: VerifyInput,
    responses: {
      200: { description: 'Checked: ok true, or ok false with a reason', schema: VerifyResult },
      ...common,
      404: err('No such user'),
      ...lockoutResponses(VerifyResult),
    },
    handler: async ({ body, actor, services }) => checkReply(await verify(services, body, actor)),
  }),
  route({
    method: 'POST',
    path: '/challenge',
    operationId: 'challenge',
    tag: 'Verify',
    scopes: ['verify'],
    summary: 'Send a fresh code to the user’s email or SMS factor (or say none is needed); pass the transactionId to /verify with the code',
    body: ChallengeInput,
    responses: {
      200: { description: 'Sent (sent true, with the masked destination), or not needed for this user (sent false)', schema: ChallengeResult },
      ...common,
      404: err('No such user or factor, or no active factor'),
      423: err('The user is locked out'),
      429: err('Too many codes sent to this user or by this key, or a resend too soon: see Retry-After'),
      502: err('The SMTP server or SMS gateway did not take the message (delivery_failed): nothing was sent'),
      503: err('Email or SMS is not set up on this Tessera (delivery_unconfigured)'),
    },
    handler: async ({ body, actor, services }) => ({ status: 200, body: await challenge(services, body, actor) }),
  }),
  route({
    method: 'POST',
    path: '/users',
    operationId: 'createUser',
    tag: 'Users',
    scopes: ['provision'],
    summary: 'Create a user',
    body: CreateUserInput,
    responses: { 201: { description: 'Created', schema: UserSummary }, ...common, 409: err('A user with that name exists') },
    handler: ({ body, actor, services }) => ({ status: 201, body: users.createUser(services, body, actor) }),
  }),
  route({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    tag: 'Users',
    scopes: ['provision', 'audit'],
    summary: 'Search users by name, display name or email, a page at a time',
    query: ListUsersInput,
    responses: { 200: { description: 'A page of users', schema: UserPage }, ...common },
    handler: async ({ query, services }) => ({ status: 200, body: await users.listUsersInTurn(services, query) }),
  }),
  route({
    method: 'GET',
    path: '/users/:username',
    operationId: 'getUser',
    tag: 'Users',
    scopes: ['provision', 'audit'],
    summary: 'A user with factors (never secrets), recovery-code counts and throttle state',
    params: UserParams,
    responses: { 200: { description: 'The user', schema: UserDetail }, ...common, 404: err('No such user') },
    handler: ({ params, services }) => ({ status: 200, body: users.getUser(services, params.username) }),
  }),
  route({
    method: 'PATCH',
    path: '/users/:username',
    operationId: 'updateUser',
    tag: 'Users',
    scopes: ['provision'],
    summary: 'Change a user’s display name, email or phone (null clears one); their email/SMS factors keep the destination they were confirmed with',
    params: UserParams,
    body: UpdateUserInput,
    responses: { 200: { description: 'The user, changed', schema: UserDetail }, ...common, 404: err('No such user') },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: users.updateUser(services, params.username, body, actor) }),
  }),
  route({
    method: 'DELETE',
    path: '/users/:username',
    operationId: 'deleteUser',
    tag: 'Users',
    scopes: ['provision'],
    summary: 'Delete a user and all their factors',
    params: UserParams,
    body: ReasonInput,
    responses: { 204: { description: 'Deleted' }, ...common, 404: err('No such user') },
    handler: ({ params, body, actor, services }) => {
      users.deleteUser(services, params.username, body.reason, actor);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/users/:username/unlock',
    operationId: 'unlockUser',
    tag: 'Users',
    scopes: ['provision'],
    summary: "Clear a user's failure count and lockout",
    params: UserParams,
    body: ReasonInput,
    responses: { 200: { description: 'Unlocked', schema: UserDetail }, ...common, 404: err('No such user') },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: users.unlockUser(services, params.username, body.reason, actor) }),
  }),
  route({
    method: 'POST',
    path: '/users/:username/factors',
    operationId: 'enrollFactor',
    tag: 'Factors',
    scopes: ['provision'],
    summary:
      'Enroll a TOTP or HOTP factor (the secret is returned once), or an email or SMS factor (a code is sent to it); pending until confirmed with its first code',
    params: UserParams,
    body: EnrollAnyFactorInput,
    responses: {
      201: {
        description: 'Pending factor: with its secret (TOTP/HOTP), or with the masked destination its code went to (email/SMS)',
        schema: z.union([EnrolledFactor, EnrolledDeliveredFactor]),
      },
      ...common,
      404: err('No such user'),
      409: err('Too many factors'),
      429: err('Too many codes sent to this user: see Retry-After'),
      502: err('The confirmation code could not be sent: nothing was enrolled'),
      503: err('Email or SMS is not set up on this Tessera'),
    },
    handler: async ({ params, body, actor, services }) => ({
      status: 201,
      body: isOtpEnrollment(body)
        ? factors.enrollOtpFactor(services, params.username, body, actor)
        : await factors.enrollDeliveredFactor(services, params.username, body, actor),
    }),
  }),
  route({
    method: 'POST',
    path: '/users/:username/factors/:id/confirm',
    operationId: 'confirmFactor',
    tag: 'Factors',
    scopes: ['provision'],
    summary: 'Activate a pending factor with its first code (a TOTP/HOTP factor is also activated by its first right code at /verify)',
    params: FactorParams,
    body: ConfirmFactorInput,
    responses: {
      200: { description: 'Active', schema: z.object({ status: z.literal('active'), factor: FactorView }) },
      ...common,
      404: err('No such user or factor, or the enrollment expired'),
      409: err('Already active'),
    },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: factors.confirmFactor(services, params.username, params.id, body.code, actor) }),
  }),
  route({
    method: 'DELETE',
    path: '/users/:username/factors/:id',
    operationId: 'deleteFactor',
    tag: 'Factors',
    scopes: ['provision'],
    summary: 'Remove one factor',
    params: FactorParams,
    body: ReasonInput,
    responses: { 204: { description: 'Removed' }, ...common, 404: err('No such user or factor') },
    handler: ({ params, body, actor, services }) => {
      factors.deleteFactor(services, params.username, params.id, body.reason, actor);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/users/:username/reset',
    operationId: 'resetUser',
    tag: 'Factors',
    scopes: ['provision'],
    summary: 'Lost device: revoke every factor and recovery code',
    params: UserParams,
    body: ReasonInput,
    responses: {
      200: { description: 'Reset', schema: z.object({ factorsRemoved: z.number().int(), recoveryCodesRemoved: z.number().int() }) },
      ...common,
      404: err('No such user'),
    },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: factors.resetUser(services, params.username, body.reason, actor) }),
  }),
  route({
    method: 'POST',
    path: '/users/:username/recovery-codes',
    operationId: 'issueRecoveryCodes',
    tag: 'Factors',
    scopes: ['provision'],
    summary: 'Issue 10 recovery codes, replacing the old set; shown once',
    params: UserParams,
    responses: { 201: { description: 'The new codes', schema: RecoveryCodesIssued }, ...common, 404: err('No such user') },
    handler: async ({ params, actor, services }) => ({ status: 201, body: await recoveryCodes.issueRecoveryCodes(services, params.username, actor) }),
  }),
  route({
    method: 'POST',
    path: '/webauthn/registration/options',
    operationId: 'webauthnRegistrationOptions',
    tag: 'WebAuthn',
    scopes: ['provision'],
    summary:
      "Start registering a user's security key or passkey with this application's relying party: options for navigator.credentials.create (startRegistration), with a challenge valid 5 minutes",
    body: WebauthnRegistrationOptionsInput,
    responses: {
      200: { description: 'Creation options (PublicKeyCredentialCreationOptionsJSON)', schema: CreationOptionsJSON },
      ...common,
      404: err('No such user'),
      409: err('This API key has no WebAuthn relying party, or the user has too many factors'),
    },
    handler: async ({ body, principal, actor, services }) => ({
      status: 200,
      body: await webauthn.appRegistrationOptions(services, { apiKeyId: principal.id }, body.user, actor),
    }),
  }),
  route({
    method: 'POST',
    path: '/webauthn/registration/verify',
    operationId: 'webauthnRegistrationVerify',
    tag: 'WebAuthn',
    scopes: ['provision'],
    summary:
      "Finish a registration: the browser's response is checked (challenge, origin, RP ID, user presence/verification, AAGUID allow list) and stored as an active factor",
    body: WebauthnRegistrationVerifyInput,
    responses: {
      201: { description: 'Registered: ok true with the new factor', schema: WebauthnRegistrationResult },
      200: { description: 'Refused: ok false with a reason (the attempt is audited)', schema: WebauthnRegistrationResult },
      ...common,
      404: err('No such user'),
      409: err('This API key has no WebAuthn relying party'),
    },
    handler: async ({ body, principal, actor, services }) => {
      const result = await webauthn.appVerifyRegistration(services, { apiKeyId: principal.id }, body, actor);
      return { status: result.ok ? 201 : 200, body: result };
    },
  }),
  route({
    method: 'POST',
    path: '/webauthn/authentication/options',
    operationId: 'webauthnAuthenticationOptions',
    tag: 'WebAuthn',
    scopes: ['verify'],
    summary:
      "Start a sign-in: with a user, options listing that user's keys; without one, options for a discoverable passkey. For navigator.credentials.get (startAuthentication); the challenge is valid 5 minutes",
    body: WebauthnAuthenticationOptionsInput,
    responses: {
      200: { description: 'Request options (PublicKeyCredentialRequestOptionsJSON)', schema: RequestOptionsJSON },
      ...common,
      404: err('No such user'),
      409: err('No WebAuthn relying party for this API key, or the user has no usable key'),
      423: err('The user is locked out'),
      429: err('Too many recent failures for this user: retry later'),
    },
    handler: async ({ body, principal, actor, services }) => ({
      status: 200,
      body: await webauthn.appAuthenticationOptions(services, { apiKeyId: principal.id }, body.user, actor),
    }),
  }),
  route({
    method: 'POST',
    path: '/webauthn/authentication/verify',
    operationId: 'webauthnAuthenticationVerify',
    tag: 'WebAuthn',
    scopes: ['verify'],
    summary:
      'Check a sign-in response: ok true names the user and factor; ok false gives a reason. Challenges are single use; a signature counter that does not grow flags the key',
    body: WebauthnAuthenticationVerifyInput,
    responses: {
      200: { description: 'Checked: ok true with the user, or ok false with a reason', schema: WebauthnAuthenticationResult },
      ...common,
      409: err('This API key has no WebAuthn relying party'),
      ...lockoutResponses(WebauthnAuthenticationResult),
    },
    handler: async ({ body, principal, actor, services }) =>
      checkReply(await webauthn.appVerifyAuthentication(services, { apiKeyId: principal.id }, body, actor)),
  }),
  route({
    method: 'GET',
    path: '/audit',
    operationId: 'queryAudit',
    tag: 'Audit',
    scopes: ['audit'],
    summary: 'Audit entries, newest first, filtered',
    query: AuditQuery,
    responses: { 200: { description: 'A page of entries', schema: AuditPage }, ...common },
    handler: ({ query, services }) => ({ status: 200, body: services.audit.query(query) }),
  }),
  route({
    method: 'GET',
    path: '/audit/verify',
    operationId: 'verifyAudit',
    tag: 'Audit',
    scopes: ['audit'],
    summary: "Check the audit log's hash chain and signed checkpoints",
    responses: { 200: { description: 'The result', schema: AuditVerifyResult }, ...common },
    handler: async ({ services }) => ({ status: 200, body: await services.audit.verify() }),
  }),
];
