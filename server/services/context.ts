import type { Store } from '../store/index';

/** A console operator as the services hand it out: the API layer, which may not import the store, gets its type here. */
export type { OperatorRow } from '../store/index';
import type { Keyring } from './keyring';
import type { SettingsService } from './settings';
import type { AuditLog } from './auditLog';
import type { VerifyQueues } from './verify';
import type { OperatorSignIn } from './operatorAuth/state';

/** Who asked for a change: recorded in every audit entry. */
export interface Actor {
  kind: 'operator' | 'apikey' | 'system';
  id: string | null;
  name: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, name: 'tessera', ip: null };

/** The one way an operator's actor is made: by sign-in (services) and by every console call (api/console/consoleAuth). */
export function operatorActor(op: { id: string; username: string }, ip: string | null): Actor {
  return { kind: 'operator', id: op.id, name: op.username, ip };
}

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;

/** What every service needs: the store, keys, the clock, settings and the audit log. */
export interface ServiceContext {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  settings: SettingsService;
  audit: AuditLog;
  /** Operator sign-in's per-node state: the per-address allowance, one password check per name (its lease in the store). */
  operatorSignIn: OperatorSignIn;
  /** Verify's queues: one recovery-code check per user at a time, OTP verifies sharing commits. */
  verifyQueues: VerifyQueues;
}
