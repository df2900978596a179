import { TesseraError } from '../../../shared/errors';
import type { LoginStep } from '../../../shared/schemas/operators';
import { buildOtpauthUri } from '../../core/otp/otpauthUri';
import { base32Encode, generateOtpSecret } from '../../core/otp/secret';
import { generateToken, hashToken } from '../../core/tokens';
import type { OperatorRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { GENERIC_LOGIN_ERROR, recordLoginFailure, requireUnthrottled, throttleOf } from './gates';
import type { RequestMeta, Ticket } from './state';

/** The second sign-in step must follow the first within this time. */
export const TICKET_MS = 5 * 60_000;
/** Wrong codes a ticket survives before the sign-in must start again. */
export const TICKET_ATTEMPTS = 5;

/** Keeps `t` until its second step; returns the ticket text (only its hash is kept). */
export function issueTicket(ctx: ServiceContext, t: Ticket): string {
  const token = generateToken();
  ctx.operatorSignIn.tickets.set(hashToken(token), t);
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

/** The live ticket of a second step and its operator, throttle-gated; throws when the sign-in must start again. */
export function openTicket(
  ctx: ServiceContext,
  ticketText: string,
  purpose: Ticket['purpose'],
): { ticketKey: string; ticket: Ticket; op: OperatorRow; now: number } {
  const { tickets } = ctx.operatorSignIn;
  const ticketKey = hashToken(ticketText);
  const ticket = tickets.get(ticketKey);
  const now = ctx.clock();
  if (!ticket || ticket.purpose !== purpose || ticket.expiresAt <= now) {
    tickets.delete(ticketKey);
    throw new TesseraError('unauthorized', 'This sign-in has expired; start again with your password');
  }
  const op = ctx.store.operators.findById(ticket.operatorId);
  if (!op || op.status === 'disabled') {
    tickets.delete(ticketKey);
    throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
  }
  requireUnthrottled(ctx, throttleOf(op), 'sign-ins');
  return { ticketKey, ticket, op, now };
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
  ticket.attempts += 1;
  if (ticket.attempts >= TICKET_ATTEMPTS) ctx.operatorSignIn.tickets.delete(ticketKey);
  recordLoginFailure(ctx, op.username_key, op.id, meta, why, details);
}

/** Drops tickets past their expiry. */
export function purgeTickets(ctx: ServiceContext, now: number): void {
  const { tickets } = ctx.operatorSignIn;
  for (const [k, t] of tickets) if (t.expiresAt <= now) tickets.delete(k);
}

/** Drops the operator's open second steps: a sign-in begun with a password that has just been replaced must start again. */
export function dropTicketsFor(ctx: ServiceContext, operatorId: string): void {
  const { tickets } = ctx.operatorSignIn;
  for (const [k, t] of tickets) if (t.operatorId === operatorId) tickets.delete(k);
}
