import { TesseraError } from '../../../shared/errors';
import {
  SmsGatewayConfig,
  SmtpConfig,
  type DeliveryChannel,
  type SmsGatewayConfigInput,
  type SmsGatewayConfigView,
  type SmtpConfigInput,
  type SmtpConfigView,
} from '../../../shared/schemas/delivery';
import type { DeliveryTransportRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { iso } from '../wireViews';

/**
 * The SMTP server and the SMS gateway as an admin set them: the settings as
 * JSON, the password or token sealed under a data key (like seeds), never
 * returned: a view only says whether one is stored.
 */

const secretAad = (channel: DeliveryChannel) => `tessera:delivery-secret:${channel}`;

export interface Transport<C> {
  config: C;
  secret: string | null;
}

function read(ctx: ServiceContext, channel: DeliveryChannel): { row: DeliveryTransportRow; secret: string | null } | null {
  const row = ctx.store.deliveryTransports.get(channel);
  if (!row) return null;
  const secret =
    row.secret_sealed && row.key_version !== null ? ctx.keyring.open(row.secret_sealed, row.key_version, secretAad(channel)).toString('utf8') : null;
  return { row, secret };
}

export function smtpTransport(ctx: ServiceContext): Transport<SmtpConfig> | null {
  const r = read(ctx, 'email');
  return r ? { config: SmtpConfig.parse(JSON.parse(r.row.config)), secret: r.secret } : null;
}

export function smsTransport(ctx: ServiceContext): Transport<SmsGatewayConfig> | null {
  const r = read(ctx, 'sms');
  return r ? { config: SmsGatewayConfig.parse(JSON.parse(r.row.config)), secret: r.secret } : null;
}

export function isTransportConfigured(ctx: ServiceContext, channel: DeliveryChannel): boolean {
  return ctx.store.deliveryTransports.get(channel) !== undefined;
}

export function smtpView(ctx: ServiceContext): SmtpConfigView | null {
  const row = ctx.store.deliveryTransports.get('email');
  if (!row) return null;
  return { ...SmtpConfig.parse(JSON.parse(row.config)), hasPassword: row.secret_sealed !== null, updatedAt: iso(row.updated_at)! };
}

export function smsView(ctx: ServiceContext): SmsGatewayConfigView | null {
  const row = ctx.store.deliveryTransports.get('sms');
  if (!row) return null;
  return { ...SmsGatewayConfig.parse(JSON.parse(row.config)), hasSecret: row.secret_sealed !== null, updatedAt: iso(row.updated_at)! };
}

/** Stores `config` for `channel`; the secret: a string replaces it, null clears it, undefined keeps the stored one. Audited without the secret. */
function write(ctx: ServiceContext, channel: DeliveryChannel, config: object, secret: string | null | undefined, actor: Actor): void {
  const now = ctx.clock();
  ctx.store.tx(() => {
    const before = ctx.store.deliveryTransports.get(channel);
    let sealed: { secret_sealed: Buffer | null; key_version: number | null };
    if (secret === undefined) sealed = { secret_sealed: before?.secret_sealed ?? null, key_version: before?.key_version ?? null };
    else if (secret === null) sealed = { secret_sealed: null, key_version: null };
    else {
      const s = ctx.keyring.seal(Buffer.from(secret, 'utf8'), secretAad(channel));
      sealed = { secret_sealed: s.sealed, key_version: s.keyVersion };
    }
    ctx.store.deliveryTransports.set({ channel, config: JSON.stringify(config), ...sealed, updated_at: now });
    ctx.audit.append({
      actor,
      action: 'delivery.configure',
      outcome: 'success',
      details: { channel, config, secret: secret === undefined ? 'kept' : secret === null ? 'removed' : 'set' },
    });
  });
}

export function setSmtpTransport(ctx: ServiceContext, input: SmtpConfigInput, actor: Actor): SmtpConfigView {
  const { password, ...config } = input;
  if (config.username === null && password)
    throw new TesseraError('bad_request', 'A password needs a username to log in with', {
      fields: [{ path: 'username', message: 'Set a username, or remove the password' }],
    });
  write(ctx, 'email', SmtpConfig.parse(config), config.username === null ? null : password, actor);
  return smtpView(ctx)!;
}

export function setSmsTransport(ctx: ServiceContext, input: SmsGatewayConfigInput, actor: Actor): SmsGatewayConfigView {
  const { secret, ...config } = input;
  write(ctx, 'sms', SmsGatewayConfig.parse(config), secret, actor);
  return smsView(ctx)!;
}
