import { Db, type OpenOptions } from './db';
import { ApiKeysRepo } from './repos/apiKeys';
import { AuditRepo } from './repos/audit';
import { FactorsRepo } from './repos/factors';
import { KeysRepo } from './repos/keys';
import { OperatorsRepo } from './repos/operators';
import { RecoveryCodesRepo } from './repos/recoveryCodes';
import { SettingsRepo } from './repos/settings';
import { SetupTokensRepo } from './repos/setupTokens';
import { UsersRepo } from './repos/users';
import { SessionsRepo } from './repos/sessions';
import { DashboardRepo } from './repos/dashboard';
import { WebauthnRepo } from './repos/webauthn';
import { LoginPhantomsRepo } from './repos/loginPhantoms';
import { DeliveredCodesRepo } from './repos/deliveredCodes';
import { CodeSendsRepo } from './repos/codeSends';
import { TemporaryCodesRepo } from './repos/temporaryCodes';
import { DeliveryTransportsRepo } from './repos/deliveryTransports';
import { RememberedDevicesRepo } from './repos/rememberedDevices';
import { DirectoryRepo } from './repos/directory';
import { RadiusClientsRepo } from './repos/radiusClients';
import { SignInTicketsRepo } from './repos/signInTickets';
import { CheckLeasesRepo } from './repos/checkLeases';

export { Db, isPostgresUrl } from './db';
export type { OpenOptions, Durability } from './db';
export type { UserRow, UserListRow } from './repos/users';
export type { FactorRow } from './repos/factors';
export type { RecoveryCodeRow } from './repos/recoveryCodes';
export type { ApiKeyRow } from './repos/apiKeys';
export type { AuditRow, AuditFilter, AuditHeadRow, AuditCheckpointRow } from './repos/audit';
export type { OperatorRow, OperatorRole } from './repos/operators';
export type { SessionRow } from './repos/sessions';
export type { DailyCount } from './repos/dashboard';
export type { WebauthnRpRow, WebauthnCredentialRow, WebauthnChallengeRow, UserCredentialRow } from './repos/webauthn';
export type { LoginPhantomRow } from './repos/loginPhantoms';
export type { DeliveredCodeRow } from './repos/deliveredCodes';
export type { SendCounts } from './repos/codeSends';
export type { TemporaryCodeRow } from './repos/temporaryCodes';
export type { DeliveryTransportRow } from './repos/deliveryTransports';
export type { RememberedDeviceRow } from './repos/rememberedDevices';
export type { DirectorySettingsRow, DirectoryUserRow, PasswordThrottleRow } from './repos/directory';
export type { RadiusClientRow } from './repos/radiusClients';
export type { SignInTicketRow } from './repos/signInTickets';

/** The database and every repository over it. */
export class Store {
  readonly users: UsersRepo;
  readonly factors: FactorsRepo;
  readonly recoveryCodes: RecoveryCodesRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly audit: AuditRepo;
  readonly settings: SettingsRepo;
  readonly keys: KeysRepo;
  readonly operators: OperatorsRepo;
  readonly setupTokens: SetupTokensRepo;
  readonly sessions: SessionsRepo;
  readonly dashboard: DashboardRepo;
  readonly webauthn: WebauthnRepo;
  readonly loginPhantoms: LoginPhantomsRepo;
  readonly deliveredCodes: DeliveredCodesRepo;
  readonly codeSends: CodeSendsRepo;
  readonly temporaryCodes: TemporaryCodesRepo;
  readonly deliveryTransports: DeliveryTransportsRepo;
  readonly rememberedDevices: RememberedDevicesRepo;
  readonly directory: DirectoryRepo;
  readonly radiusClients: RadiusClientsRepo;
  readonly signInTickets: SignInTicketsRepo;
  readonly checkLeases: CheckLeasesRepo;

  constructor(readonly db: Db) {
    this.users = new UsersRepo(db);
    this.factors = new FactorsRepo(db);
    this.recoveryCodes = new RecoveryCodesRepo(db);
    this.apiKeys = new ApiKeysRepo(db);
    this.audit = new AuditRepo(db);
    this.settings = new SettingsRepo(db);
    this.keys = new KeysRepo(db);
    this.operators = new OperatorsRepo(db);
    this.setupTokens = new SetupTokensRepo(db);
    this.sessions = new SessionsRepo(db);
    this.dashboard = new DashboardRepo(db);
    this.webauthn = new WebauthnRepo(db);
    this.loginPhantoms = new LoginPhantomsRepo(db);
    this.deliveredCodes = new DeliveredCodesRepo(db);
    this.codeSends = new CodeSendsRepo(db);
    this.temporaryCodes = new TemporaryCodesRepo(db);
    this.deliveryTransports = new DeliveryTransportsRepo(db);
    this.rememberedDevices = new RememberedDevicesRepo(db);
    this.directory = new DirectoryRepo(db);
    this.radiusClients = new RadiusClientsRepo(db);
    this.signInTickets = new SignInTicketsRepo(db);
    this.checkLeases = new CheckLeasesRepo(db);
  }

  /** Opens a SQLite file, or PostgreSQL when `location` is a postgres:// URL. */
  static open(location: string, options: OpenOptions = {}): Store {
    return new Store(Db.open(location, options));
  }

  tx<T>(fn: () => T): T {
    return this.db.tx(fn);
  }

  close(): void {
    this.db.close();
  }
}
