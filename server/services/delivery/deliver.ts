import { TesseraError } from '../../../shared/errors';
import type { DeliveryChannel, DeliveryOutcome } from '../../../shared/schemas/delivery';
import type { ServiceContext } from '../context';
import { sendMail } from './mailer';
import { codeEmail, codeSms, type CodePurpose } from './messages';
import { sendSms } from './smsGateway';
import { smsTransport, smtpTransport } from './transports';

const NOT_SET_UP: Record<DeliveryChannel, string> = {
  email: 'Email is not set up on this Tessera: an admin sets the SMTP server under Methods & settings',
  sms: 'Text messages are not set up on this Tessera: an admin sets the SMS gateway under Methods & settings',
};

/** Refuses when `channel` has no transport: before a code is made, so none is made for nothing. */
export function requireTransport(ctx: ServiceContext, channel: DeliveryChannel): void {
  const configured = channel === 'email' ? smtpTransport(ctx) : smsTransport(ctx);
  if (!configured) throw new TesseraError('delivery_unconfigured', NOT_SET_UP[channel]);
}

/**
 * Sends one code by `channel` to `destination` (an address, an E.164
 * number) and reports what the transport said. Never throws for a delivery
 * failure: the caller audits the outcome and answers 502.
 */
export async function deliverCode(
  ctx: ServiceContext,
  channel: DeliveryChannel,
  destination: string,
  code: string,
  purpose: CodePurpose,
): Promise<DeliveryOutcome> {
  const { issuer, deliveredCodeMinutes: minutes } = ctx.settings.get();
  if (channel === 'email') {
    const t = smtpTransport(ctx);
    if (!t) throw new TesseraError('delivery_unconfigured', NOT_SET_UP.email);
    return sendMail(t.config, t.secret, { to: destination, ...codeEmail({ issuer, code, minutes, purpose }), secretsToScrub: [code] });
  }
  const t = smsTransport(ctx);
  if (!t) throw new TesseraError('delivery_unconfigured', NOT_SET_UP.sms);
  return sendSms(t.config, t.secret, { to: destination, text: codeSms({ issuer, code, minutes }), code, issuer });
}
