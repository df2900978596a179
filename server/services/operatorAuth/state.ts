import type { Store } from '../../store/index';
import { AddressLimiter } from '../addressLimiter';
import type { Clock } from '../context';
import { SharedSingleFlight } from '../sharedSingleFlight';
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

/**
 * A sign-in between its first step (the password) and its second (a code or
 * a key), as tickets.ts hands it out. Kept in the store (signin_tickets), so
 * any node may take the second step.
 */
export interface Ticket {
  operatorId: string;
  purpose: 'totp' | 'enroll';
  expiresAt: number;
  attempts: number;
  /** Only for enrollment: the new seed, sealed in the row until the first code confirms it. */
  secret?: Uint8Array;
}

/**
 * What operator sign-in keeps per service context (ServiceContext.operatorSignIn)
 * besides the store: the per-address allowance and the per-username single
 * flight (its queue in memory, its lease in the store). Open tickets and
 * every throttle count are in the store, shared by every node.
 */
export class OperatorSignIn {
  /**
   * Password attempts per client address: checked before any lookup or hash.
   * Per node, on purpose: behind a load balancer an address gets this
   * allowance on each node (N nodes, N times the attempts). What bounds
   * guessing one name is the per-name throttle, which is in the database
   * and holds across nodes; this allowance only keeps one address from
   * spending a node's hashing.
   */
  readonly addresses = new AddressLimiter();
  /** One password check in flight per username key (sign-in and re-authentication alike), across every node. */
  readonly inFlight: SharedSingleFlight;
  /** New unknown names counted since start: the phantom table's bound is checked every so many. */
  newPhantoms = 0;

  /** How long a console session lives without a request (sessions.ts; TESSERA_SESSION_IDLE_SECONDS shortens it). */
  constructor(
    store: Store,
    clock: Clock,
    readonly sessionIdleMs: number = SESSION_IDLE_MS,
  ) {
    this.inFlight = new SharedSingleFlight(store, 'operator-password', LOGIN_WAITING_PER_NAME, clock);
  }
}
