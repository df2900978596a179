import type { Store } from '../store/index';
import { AuditLog } from './auditLog';
import type { Clock, ServiceContext } from './context';
import { Keyring } from './keyring';
import { SettingsService } from './settings';
import { VerifyQueues } from './verify';
import { OperatorSignIn } from './operatorAuth/index';
import { FileAnchorStore, type AnchorStore } from './auditAnchor';
import { auditAnchorPath } from '../runtime/dataDir';

export * from './context';
export { AuditLog } from './auditLog';
export { Keyring } from './keyring';
export { SettingsService } from './settings';
export { verify, VerifyQueues } from './verify';
export * as users from './users';
export * as factors from './factors';
export * as recoveryCodes from './recoveryCodes';
export * as apiKeys from './apiKeys';
export * as setup from './setup';
export { updateSettings } from './settings';
export * as operatorAuth from './operatorAuth/index';
export * as operatorAccounts from './operatorAccounts';
export * as sheets from './sheets/enrollmentSheets';
export * as webauthn from './webauthn/index';
export { challenge } from './challenge';
export * as temporaryCodes from './temporaryCodes';
export * as rememberedDevices from './rememberedDevices';
export * as delivery from './delivery/index';

/** What the API and CLI hold: the context every use case takes first (`fn(ctx, input, actor)`). */
export type Services = ServiceContext;

export interface ServicesOptions {
  /**
   * The audit log's anchor. Default: the file beside the database
   * (audit.anchor in its data folder); null for a database that is not a
   * data folder's own (a backup being checked).
   */
  anchor?: AnchorStore | null;
  /** Console sessions' idle timeout (default 30 minutes; openTessera reads TESSERA_SESSION_IDLE_SECONDS). */
  sessionIdleMs?: number;
}

/** Builds the service context over an open store: unwraps keys, loads settings. */
export function createServices(store: Store, masterKey: Buffer, clock: Clock = Date.now, opts: ServicesOptions = {}): Services {
  const keyring = Keyring.load(store, masterKey, clock());
  const settings = new SettingsService(store);
  const file = store.db.path;
  const anchor = opts.anchor !== undefined ? opts.anchor : file === '' || file === ':memory:' ? null : new FileAnchorStore(auditAnchorPath(file));
  const audit = new AuditLog(store, keyring, clock, { anchor });
  const ctx: ServiceContext = {
    store,
    keyring,
    clock,
    settings,
    audit,
    operatorSignIn: new OperatorSignIn(store, clock, opts.sessionIdleMs),
    verifyQueues: new VerifyQueues(store, clock),
  };
  return ctx;
}
export * as directory from './directory/index';
