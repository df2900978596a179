import { AddressLimiter } from '../addressLimiter';
import { SingleFlight } from '../singleFlight';
import { SESSION_IDLE_MS } from './sessionLimits';

/**
 * Attempts for one username that may wait while one is being checked. A
 * person's double click needs one; more at once is a script, refused at once
 * (the same answer whether or not the name exists).
 */
export const LOGIN_WAITING_PER_NAME = 4;

/** Where a console request came from: recorded in the audit entry and the session. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** A sign-in between its first step (the password) and its second (a code or a key). */
export interface Ticket {
  operatorId: string;
  purpose: 'totp' | 'enroll';
  expiresAt: number;
  attempts: number;
  /** Only for enrollment: the new seed, held in memory until the first code confirms it. */
  secret?: Uint8Array;
}

/**
 * What operator sign-in keeps in memory between requests, one per service
 * context (ServiceContext.operatorSignIn): open tickets, the per-address
 * allowance and the per-username single flight. Everything else is in the store.
 */
export class OperatorSignIn {
  /** Open second steps, by the hash of their ticket text. */
  readonly tickets = new Map<string, Ticket>();
  /** Password attempts per client address: checked before any lookup or hash. */
  readonly addresses = new AddressLimiter();
  /** One password check in flight per username key (sign-in and re-authentication alike). */
  readonly inFlight = new SingleFlight(LOGIN_WAITING_PER_NAME);
  /** New unknown names counted since start: the phantom table's bound is checked every so many. */
  newPhantoms = 0;

  /** How long a console session lives without a request (sessions.ts; TESSERA_SESSION_IDLE_SECONDS shortens it). */
  constructor(readonly sessionIdleMs: number = SESSION_IDLE_MS) {}
}
