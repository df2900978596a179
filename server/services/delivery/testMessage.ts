import { TesseraError } from '../../../shared/errors';
import { maskDestination } from '../../../shared/mask';
import type { DeliveryChannel, DeliveryOutcome } from '../../../shared/schemas/delivery';
import { parsePhone } from './phone';
import type { Actor, ServiceContext } from '../context';
import { sendMail } from './mailer';
import { testEmail, testSms } from './messages';
import { sendSms } from './smsGateway';
import { smsTransport, smtpTransport } from './transports';

/**
 * The admin's "Send a test message": goes the exact way a code goes, with
 * the stored settings, and reports what the server said (success or not:
 * the answer is the point). Audited with the masked destination.
 */
export async function sendTestMessage(ctx: ServiceContext, channel: DeliveryChannel, to: string, actor: Actor): Promise<DeliveryOutcome> {
  const issuer = ctx.settings.get().issuer;
  let outcome: DeliveryOutcome;
  let destination: string;
  if (channel === 'email') {
    const t = smtpTransport(ctx);
    if (!t) throw new TesseraError('delivery_unconfigured', 'Save the SMTP settings first, then send a test message');
    destination = to;
    outcome = await sendMail(t.config, t.secret, { to, ...testEmail(issuer), secretsToScrub: [] });
  } else {
    const t = smsTransport(ctx);
    if (!t) throw new TesseraError('delivery_unconfigured', 'Save the SMS gateway settings first, then send a test message');
    const phone = parsePhone(to);
    if (!phone.ok) throw new TesseraError('bad_request', phone.message, { fields: [{ path: 'to', message: phone.message }] });
    destination = phone.e164;
    outcome = await sendSms(t.config, t.secret, { to: phone.e164, text: testSms(issuer), code: '', issuer });
  }
  ctx.store.tx(() =>
    ctx.audit.append({
      actor,
      action: 'delivery.test',
      outcome: outcome.ok ? 'success' : 'failure',
      ...(outcome.ok ? {} : { reason: 'delivery_failed' }),
      details: { channel, destination: maskDestination(channel, destination), ...(outcome.ok ? { response: outcome.response } : { error: outcome.error }) },
    }),
  );
  return outcome;
}
