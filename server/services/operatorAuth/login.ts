import { TesseraError } from '../../../shared/errors';
import { usernameKey } from '../../../shared/schemas/text';
import type { CodeStepInput, LoginInput, LoginStep, SetupInput } from '../../../shared/schemas/operators';
import { verifyTotp } from '../../core/otp/totp';
import { hashToken } from '../../core/tokens';
import type { OperatorRow } from '../../store/index';
import { operatorActor, type ServiceContext } from '../context';
import { hashNewPassword, insertOperator } from '../operatorAccounts';
import {
  checkPassword,
  GENERIC_LOGIN_ERROR,
  operatorAad,
  phantomState,
  recordLoginFailure,
  requirePasswordLaneRoom,
  requireUnthrottled,
  takeAddressAttempt,
  throttleOf,
  tooManyAtOnce,
} from './gates';
import { openSession, signedIn, type ConsoleSession } from './sessions';
import type { RequestMeta, Ticket } from './state';
import { enrollTicket, issueTicket, openTicket, secondStepFailed, takeTicket, TICKET_MS, ticketGone } from './tickets';

/*
 * Operator sign-in: password, then the operator's own TOTP code (or, on the
 * first sign-in, enrolling it; a security key instead of the code is in
 * keySignIn.ts). Sessions are random ids stored hashed, with idle and
 * absolute expiry; disabling an operator ends them (sessions.ts).
 *
 * The password step, in order: the client address's allowance (before the
 * name is looked at), one check in flight per username on every node
 * (others wait, see SharedSingleFlight), the name's throttle read afresh, the hash in the password
 * lane, and a failure counted against the row read inside the writing
 * transaction. Unknown usernames take exactly this path, with their state in
 * login_phantoms, the same hash work and the same answers.
 */

/** First run: a valid setup token creates the first admin (pending until their TOTP is confirmed). */
export async function beginSetup(ctx: ServiceContext, input: SetupInput, meta: RequestMeta): Promise<Extract<LoginStep, { next: 'enroll' }>> {
  const passwordHash = await hashNewPassword(
    input.password,
    '',
    () => {
      takeAddressAttempt(ctx, meta);
      // Checked before the slow hash too (and again in the transaction): a wrong token must not cost a 128 MiB scrypt.
      requireSetupOpen(ctx, input.token, ctx.clock());
    },
    { username: input.username },
  );
  const now = ctx.clock();
  const op = ctx.store.tx(() => {
    if (ctx.store.operators.count() > 0) throw setupDone();
    if (!ctx.store.setupTokens.consume(hashToken(input.token), now)) throw setupLinkInvalid();
    const actor = { kind: 'system' as const, id: null, name: 'setup-link', ip: meta.ip };
    const id = insertOperator(ctx, { username: input.username, displayName: input.displayName, role: 'admin', passwordHash }, actor, { firstAdmin: true }, now);
    return ctx.store.operators.findById(id)!;
  });
  return enrollTicket(ctx, op);
}

/** Step one: the password. Returns a ticket for step two. */
export async function login(ctx: ServiceContext, input: LoginInput, meta: RequestMeta): Promise<LoginStep> {
  takeAddressAttempt(ctx, meta);
  requirePasswordLaneRoom();
  const key = usernameKey(input.username);
  const release = await ctx.operatorSignIn.inFlight.acquire(key);
  if (!release) throw tooManyAtOnce();
  try {
    // Read after waiting our turn: the attempt before ours has written its outcome.
    const found = ctx.store.operators.findByKey(key);
    requireUnthrottled(ctx, found ? throttleOf(found) : phantomState(ctx, key), 'sign-ins');
    const ok = await checkPassword(input.password, found?.password_hash ?? null);
    const op = found ? ctx.store.operators.findById(found.id) : undefined;
    if (!op || !ok || op.status === 'disabled') {
      recordLoginFailure(ctx, key, op?.id ?? null, meta, !op ? 'unknown_operator' : !ok ? 'wrong_password' : 'disabled');
      throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
    }
    if (temporaryPasswordExpired(op, ctx.clock())) {
      // Only someone who knows the password learns this: saying so sends them to an administrator instead of to more guesses.
      recordLoginFailure(ctx, key, op.id, meta, 'temporary_password_expired');
      throw new TesseraError('unauthorized', 'This temporary password has expired. Ask an administrator to reset your password again.');
    }
    return passwordAccepted(ctx, op);
  } finally {
    release();
  }
}

/** A password someone else set, not replaced in time, no longer signs in. */
function temporaryPasswordExpired(op: OperatorRow, now: number): boolean {
  return op.password_must_change === 1 && op.password_expires_at !== null && op.password_expires_at <= now;
}

/** After the right password: the enrollment step for a new (or reset) operator, else a ticket for their code. */
function passwordAccepted(ctx: ServiceContext, op: OperatorRow): LoginStep {
  if (op.status === 'pending' || !op.totp_sealed) return enrollTicket(ctx, op);
  const ticket = issueTicket(ctx, { operatorId: op.id, purpose: 'totp', expiresAt: ctx.clock() + TICKET_MS, attempts: 0 });
  const webauthn = ctx.settings.isEnabled('webauthn') && ctx.store.webauthn.forOperator(op.id).some((c) => c.flagged_at === null);
  return { next: 'totp', ticket, ...(webauthn ? { webauthn: true } : {}) };
}

/** Step two for an enrolled operator: their TOTP code. Returns a new session. */
export function completeLogin(ctx: ServiceContext, input: CodeStepInput, meta: RequestMeta): ConsoleSession {
  return codeStep(ctx, input, 'totp', meta);
}

/** Step two on first sign-in: the first code from the newly scanned authenticator. */
export function completeEnrollment(ctx: ServiceContext, input: CodeStepInput, meta: RequestMeta): ConsoleSession {
  return codeStep(ctx, input, 'enroll', meta);
}

function codeStep(ctx: ServiceContext, input: CodeStepInput, purpose: Ticket['purpose'], meta: RequestMeta): ConsoleSession {
  const { ticketKey, ticket, op, now } = openTicket(ctx, input.ticket, purpose);
  const secret = purpose === 'enroll' ? ticket.secret! : ctx.keyring.open(op.totp_sealed!, op.totp_key_version!, operatorAad(op.id));
  const result = verifyTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, input.code, {
    epochSeconds: Math.floor(now / 1000),
    window: 1,
    lastStep: purpose === 'enroll' ? 0 : op.totp_last_step,
  });
  if (!result.ok) {
    secondStepFailed(ctx, ticketKey, ticket, op, meta, result.reason === 'replay' ? 'replayed_code' : 'wrong_code');
    throw new TesseraError('invalid_code', 'That code is not right. Check the time on your phone and use the newest code.');
  }
  const sessionId = ctx.store.tx(() => {
    // Used up in the transaction that opens the session: of two requests with one ticket (on any nodes), one signs in.
    if (!takeTicket(ctx, ticketKey, purpose, now)) throw ticketGone();
    const fields: Partial<OperatorRow> = { totp_last_step: result.step };
    if (purpose === 'enroll') {
      const sealed = ctx.keyring.seal(secret, operatorAad(op.id));
      Object.assign(fields, { totp_sealed: sealed.sealed, totp_key_version: sealed.keyVersion, status: 'active' });
      ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.enroll', outcome: 'success', details: { operatorId: op.id } });
    }
    return openSession(ctx, op, meta, now, fields);
  });
  return signedIn(ctx, sessionId, op.id, now);
}

/** Before the slow hash of a first admin's password: nobody is set up yet and the link is live. */
function requireSetupOpen(ctx: ServiceContext, token: string, now: number): void {
  if (ctx.store.operators.count() > 0) throw setupDone();
  const row = ctx.store.setupTokens.find(hashToken(token));
  if (!row || row.used_at !== null || row.expires_at <= now) throw setupLinkInvalid();
}

function setupDone(): TesseraError {
  return new TesseraError('conflict', 'Tessera is already set up; sign in instead');
}

function setupLinkInvalid(): TesseraError {
  return new TesseraError('unauthorized', 'This setup link is not valid or has expired; run "tessera init" for a new one');
}
