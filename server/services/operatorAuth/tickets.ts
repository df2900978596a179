import { TesseraError } from '../../../shared/errors';
import type { LoginStep } from '../../../shared/schemas/operators';
import { buildOtpauthUri } from '../../core/otp/otpauthUri';
import { base32Encode, generateOtpSecret } from '../../core/otp/secret';
import { generateToken, hashToken } from '../../core/tokens';
import type { OperatorRow, SignInTicketRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { GENERIC_LOGIN_ERROR, recordLoginFailure, requireUnthrottled, throttleOf } from './gates';
import type { RequestMeta, Ticket } from './state';

/** The second sign-in step must follow the first within this time. */
export const TICKET_MS = 5 * 60_000;
/** Wrong codes a ticket survives before the sign-in must start again. */
export const TICKET_ATTEMPTS = 5;

/** Associated data for an enrollment ticket's sealed seed: bound to the ticket's row and its operator. */
const ticketAad = (ticketKey: string, operatorId: string) => `tessera:signin-ticket:${ticketKey}:${operatorId}`;

/**
 * Keeps `t` until its second step, in the store (any node may take that
 * step); returns the ticket text. Only its hash is kept, and an enrollment
 * ticket's seed is sealed with the keyring.
 */
export function issueTicket(ctx: ServiceContext, t: Ticket): string {
  const token = generateToken();
  const hash = hashToken(token);
  const sealed = t.secret ? ctx.keyring.seal(t.secret, ticketAad(hash, t.operatorId)) : null;
  ctx.store.signInTickets.insert({
    hash,
    operator_id: t.operatorId,
    purpose: t.purpose,
    expires_at: t.expiresAt,
    attempts: t.attempts,
    secret_sealed: sealed?.sealed ?? null,
    secret_key_version: sealed?.keyVersion ?? null,
  });
  return token;
}

/** The enrollment step: a new seed held by the ticket, shown as a QR code and as text. */
export function enrollTicket(ctx: ServiceContext, op: OperatorRow): Extract<LoginStep, { next: 'enroll' }> {
  const secret = generateOtpSecret();
  const ticket = issueTicket(ctx, { operatorId: op.id, purpose: 'enroll', expiresAt: ctx.clock() + TICKET_MS, attempts: 0, secret });
  const issuer = `${ctx.settings.get().issuer} console`;
  const otpauthUri = buildOtpauthUri({ type: 'totp', issuer, account: op.username, secret, algorithm: 'SHA1', digits: 6, period: 30 });
  return { next: 'enroll', ticket, otpauthUri, secret: base32Encode(secret) };
}

function ticketOf(ctx: ServiceContext, row: SignInTicketRow): Ticket {
  const t: Ticket = { operatorId: row.operator_id, purpose: row.purpose, expiresAt: row.expires_at, attempts: row.attempts };
  if (row.secret_sealed && row.secret_key_version !== null)
    t.secret = ctx.keyring.open(row.secret_sealed, row.secret_key_version, ticketAad(row.hash, row.operator_id));
  return t;
}

/** The live ticket of a second step and its operator, throttle-gated; throws when the sign-in must start again. */
export function openTicket(
  ctx: ServiceContext,
  ticketText: string,
  purpose: Ticket['purpose'],
): { ticketKey: string; ticket: Ticket; op: OperatorRow; now: number } {
  const ticketKey = hashToken(ticketText);
  const row = ctx.store.signInTickets.find(ticketKey);
  const now = ctx.clock();
  if (!row || row.purpose !== purpose || row.expires_at <= now) {
    if (row) ctx.store.signInTickets.delete(ticketKey);
    throw new TesseraError('unauthorized', 'This sign-in has expired; start again with your password');
  }
  const op = ctx.store.operators.findById(row.operator_id);
  if (!op || op.status === 'disabled') {
    ctx.store.signInTickets.delete(ticketKey);
    throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
  }
  requireUnthrottled(ctx, throttleOf(op), 'sign-ins');
  return { ticketKey, ticket: ticketOf(ctx, row), op, now };
}

/**
 * Inside the transaction that completes a sign-in: uses the ticket up. False
 * when it is gone (another request, on this node or another, took it first;
 * too many wrong codes; expired): that sign-in must start again. Write
 * transactions are serialised on every backend, so one caller wins.
 */
export function takeTicket(ctx: ServiceContext, ticketKey: string, purpose: Ticket['purpose'], now: number): boolean {
  return ctx.store.signInTickets.take(ticketKey, purpose, now);
}

/** Whether the ticket is still there for this step (inside a write transaction, before work that must not run for a used one). */
export function ticketLive(ctx: ServiceContext, ticketKey: string, purpose: Ticket['purpose'], now: number): boolean {
  const row = ctx.store.signInTickets.find(ticketKey);
  return row !== undefined && row.purpose === purpose && row.expires_at > now;
}

/** The error for a ticket used up meanwhile. */
export function ticketGone(): TesseraError {
  return new TesseraError('unauthorized', 'This sign-in has expired; start again with your password');
}

/** A wrong second step: counts against the ticket (it dies after TICKET_ATTEMPTS) and the operator's throttle, audited. */
export function secondStepFailed(
  ctx: ServiceContext,
  ticketKey: string,
  ticket: Ticket,
  op: OperatorRow,
  meta: RequestMeta,
  why: string,
  details: Record<string, unknown> = {},
): void {
  ctx.store.tx(() => {
    // Counted on the row (every node's wrong codes add up), not on the copy this request read.
    const attempts = ctx.store.signInTickets.countFailure(ticketKey);
    ticket.attempts = attempts ?? TICKET_ATTEMPTS;
    if (attempts !== undefined && attempts >= TICKET_ATTEMPTS) ctx.store.signInTickets.delete(ticketKey);
    recordLoginFailure(ctx, op.username_key, op.id, meta, why, details);
  });
}

/** Drops tickets past their expiry (the session sweep). */
export function purgeTickets(ctx: ServiceContext, now: number): void {
  ctx.store.signInTickets.purge(now);
}

/** Drops the operator's open second steps: a sign-in begun with a password that has just been replaced must start again. */
export function dropTicketsFor(ctx: ServiceContext, operatorId: string): void {
  ctx.store.signInTickets.dropFor(operatorId);
}
