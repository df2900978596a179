import { z } from 'zod';
import { ErrorBodySchema } from './schemas';
import { route, type RestRoute } from './route';
import { VerifyInput, VerifyResult } from '../../../shared/schemas/verify';
import { CreateUserInput, ListUsersInput, ReasonInput, UserDetail, UserPage, UserSummary } from '../../../shared/schemas/users';
import { ConfirmFactorInput, EnrolledFactor, EnrollFactorInput, FactorView, RecoveryCodesIssued } from '../../../shared/schemas/factors';
import { AuditPage, AuditQuery, AuditVerifyResult } from '../../../shared/schemas/audit';
import { Id, Username } from '../../../shared/schemas/text';
import { factors, recoveryCodes, users } from '../../services/index';

const UserParams = z.object({ username: Username });
const FactorParams = z.object({ username: Username, id: Id });

const err = (description: string) => ({ description, schema: ErrorBodySchema });
const common = { 400: err('Invalid input'), 401: err('Missing, malformed or revoked API key'), 403: err('The key lacks the scope') };

export const REST_ROUTES: RestRoute[] = [
  route({
    method: 'POST', path: '/verify', operationId: 'verify', tag: 'Verify', scopes: ['verify'],
    summary: "Check a user's one-time code or recovery code",
    body: VerifyInput,
    responses: {
      200: { description: 'Checked: ok true, or ok false with a reason', schema: VerifyResult },
      ...common,
      404: err('No such user'),
      423: { description: 'The user is locked out', schema: VerifyResult },
      429: { description: 'Too many recent failures: retry later', schema: VerifyResult },
    },
    async handler({ body, actor, services }) {
      const result = await services.verifier.verify(body, actor);
      if (result.ok || (result.reason !== 'throttled' && result.reason !== 'locked')) return { status: 200, body: result };
      const retry = String(result.retryAfterSeconds ?? 1);
      return { status: result.reason === 'locked' ? 423 : 429, body: result, headers: { 'retry-after': retry } };
    },
  }),
  route({
    method: 'POST', path: '/users', operationId: 'createUser', tag: 'Users', scopes: ['provision'],
    summary: 'Create a user', body: CreateUserInput,
    responses: { 201: { description: 'Created', schema: UserSummary }, ...common, 409: err('A user with that name exists') },
    handler: ({ body, actor, services }) => ({ status: 201, body: users.createUser(services, body, actor) }),
  }),
  route({
    method: 'GET', path: '/users', operationId: 'listUsers', tag: 'Users', scopes: ['provision', 'audit'],
    summary: 'Search users by name, display name or email, a page at a time', query: ListUsersInput,
    responses: { 200: { description: 'A page of users', schema: UserPage }, ...common },
    handler: ({ query, services }) => ({ status: 200, body: users.listUsers(services, query) }),
  }),
  route({
    method: 'GET', path: '/users/:username', operationId: 'getUser', tag: 'Users', scopes: ['provision', 'audit'],
    summary: 'A user with factors (never secrets), recovery-code counts and throttle state', params: UserParams,
    responses: { 200: { description: 'The user', schema: UserDetail }, ...common, 404: err('No such user') },
    handler: ({ params, services }) => ({ status: 200, body: users.getUser(services, params.username) }),
  }),
  route({
    method: 'DELETE', path: '/users/:username', operationId: 'deleteUser', tag: 'Users', scopes: ['provision'],
    summary: 'Delete a user and all their factors', params: UserParams, body: ReasonInput,
    responses: { 204: { description: 'Deleted' }, ...common, 404: err('No such user') },
    handler: ({ params, body, actor, services }) => {
      users.deleteUser(services, params.username, body.reason, actor);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST', path: '/users/:username/unlock', operationId: 'unlockUser', tag: 'Users', scopes: ['provision'],
    summary: "Clear a user's failure count and lockout", params: UserParams, body: ReasonInput,
    responses: { 200: { description: 'Unlocked', schema: UserDetail }, ...common, 404: err('No such user') },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: users.unlockUser(services, params.username, body.reason, actor) }),
  }),
  route({
    method: 'POST', path: '/users/:username/factors', operationId: 'enrollFactor', tag: 'Factors', scopes: ['provision'],
    summary: 'Enroll a TOTP or HOTP factor (pending until confirmed); the secret is returned once',
    params: UserParams, body: EnrollFactorInput,
    responses: { 201: { description: 'Pending factor with its secret', schema: EnrolledFactor }, ...common, 404: err('No such user'), 409: err('Too many factors') },
    handler: ({ params, body, actor, services }) => ({ status: 201, body: factors.enrollOtpFactor(services, params.username, body, actor) }),
  }),
  route({
    method: 'POST', path: '/users/:username/factors/:id/confirm', operationId: 'confirmFactor', tag: 'Factors', scopes: ['provision'],
    summary: 'Activate a pending factor with its first code', params: FactorParams, body: ConfirmFactorInput,
    responses: {
      200: { description: 'Active', schema: z.object({ status: z.literal('active'), factor: FactorView }) },
      ...common, 404: err('No such user or factor, or the enrollment expired'), 409: err('Already active'),
    },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: factors.confirmFactor(services, params.username, params.id, body.code, actor) }),
  }),
  route({
    method: 'DELETE', path: '/users/:username/factors/:id', operationId: 'deleteFactor', tag: 'Factors', scopes: ['provision'],
    summary: 'Remove one factor', params: FactorParams, body: ReasonInput,
    responses: { 204: { description: 'Removed' }, ...common, 404: err('No such user or factor') },
    handler: ({ params, body, actor, services }) => {
      factors.deleteFactor(services, params.username, params.id, body.reason, actor);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST', path: '/users/:username/reset', operationId: 'resetUser', tag: 'Factors', scopes: ['provision'],
    summary: 'Lost device: revoke every factor and recovery code', params: UserParams, body: ReasonInput,
    responses: {
      200: { description: 'Reset', schema: z.object({ factorsRemoved: z.number().int(), recoveryCodesRemoved: z.number().int() }) },
      ...common, 404: err('No such user'),
    },
    handler: ({ params, body, actor, services }) => ({ status: 200, body: factors.resetUser(services, params.username, body.reason, actor) }),
  }),
  route({
    method: 'POST', path: '/users/:username/recovery-codes', operationId: 'issueRecoveryCodes', tag: 'Factors', scopes: ['provision'],
    summary: 'Issue 10 recovery codes, replacing the old set; shown once', params: UserParams,
    responses: { 201: { description: 'The new codes', schema: RecoveryCodesIssued }, ...common, 404: err('No such user') },
    handler: async ({ params, actor, services }) => ({ status: 201, body: await recoveryCodes.issueRecoveryCodes(services, params.username, actor) }),
  }),
  route({
    method: 'GET', path: '/audit', operationId: 'queryAudit', tag: 'Audit', scopes: ['audit'],
    summary: 'Audit entries, newest first, filtered', query: AuditQuery,
    responses: { 200: { description: 'A page of entries', schema: AuditPage }, ...common },
    handler: ({ query, services }) => ({ status: 200, body: services.audit.query(query) }),
  }),
  route({
    method: 'GET', path: '/audit/verify', operationId: 'verifyAudit', tag: 'Audit', scopes: ['audit'],
    summary: "Check the audit log's hash chain and signed checkpoints",
    responses: { 200: { description: 'The result', schema: AuditVerifyResult }, ...common },
    handler: async ({ services }) => ({ status: 200, body: await services.audit.verify() }),
  }),
];
