import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { type DeliveryOutcome, isLoopbackHost, type SmtpConfig } from '../../../shared/schemas/delivery';
import { delivered, failed, oneLine, scrub, seconds, wireForms } from './outcome';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The code and anything else that must never appear in an error or answer we pass on. */
  secretsToScrub: string[];
}

/** Whole-send ceiling, in timeouts: each wait has its own limit, a server that trickles could otherwise hold a sign-in for minutes. */
const OVERALL_TIMEOUTS = 3;

/**
 * Sends one message over SMTP. One connection per message, no pool and no
 * cached transporter: codes are few, the settings may change between two
 * sends, and the admin's test button then goes the exact way a code goes.
 * Never throws for a delivery failure; the error names what failed, without
 * the password or the code.
 */
export async function sendMail(config: SmtpConfig, password: string | null, message: MailMessage): Promise<DeliveryOutcome> {
  if (/[\s,;<>]/.test(message.to) || !message.to.includes('@')) throw new TypeError('sendMail: `to` must be one plain address');
  const secrets = [...wireForms(password), ...(config.username && password ? wireForms(`\0${config.username}\0${password}`) : []), ...message.secretsToScrub];
  const clean = (text: string) => oneLine(scrub(text, secrets), 300);
  const host = config.host.replace(/^\[(.*)\]$/, '$1'); // [::1] is a URL's spelling; the socket wants ::1
  const where = `${config.host}:${config.port}`;

  // Defence in depth: the schema already refuses this, stored settings might predate it.
  if (config.tls === 'none' && !isLoopbackHost(config.host))
    return failed('A connection without TLS is allowed only to this machine (127.0.0.1, ::1, localhost)');
  if (config.username && !password) return failed(`No SMTP password is stored for ${config.username}`);

  const options: SMTPTransportOptions = {
    host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    tls: { rejectUnauthorized: config.verifyCertificate, servername: isIp(host) ? undefined : host },
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    dnsTimeout: config.timeoutMs,
    socketCloseTimeout: 0,
    auth: config.username && password ? { user: config.username, pass: password } : undefined,
    logger: false,
    debug: false,
  };
  const transport = nodemailer.createTransport(options);
  let timer: NodeJS.Timeout | undefined;
  const overall = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), config.timeoutMs * OVERALL_TIMEOUTS);
  });
  try {
    const sent = transport.sendMail({
      from: config.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    sent.catch(() => undefined); // after the overall timeout nobody awaits it
    const result = await Promise.race([sent, overall]);
    if (result === 'timeout') return failed(`Timed out after ${seconds(config.timeoutMs * OVERALL_TIMEOUTS)} waiting for the SMTP server`);
    return delivered(clean(result.response || '250 OK'));
  } catch (err) {
    return failed(describeError(err as NodemailerError, where, config.timeoutMs, clean));
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME|ERR_TLS_CERT_ALTNAME|certificate/i;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

/** Nodemailer's error → one human line naming the step that failed. */
function describeError(err: NodemailerError, where: string, timeoutMs: number, clean: (s: string) => string): string {
  const code = err.code ?? '';
  const sys = err.originalCode ?? (NETWORK_CODES.has(String(err.errno)) ? String(err.errno) : undefined);
  const response = err.response ? clean(err.response) : '';
  const msg = clean(err.message ?? String(err));
  if (code === 'ETIMEDOUT' && err.timeoutType) return `Timed out after ${seconds(timeoutMs)} waiting for the SMTP server`;
  if (CERT_ERRORS.test(sys ?? '') || CERT_ERRORS.test(msg)) {
    return `The SMTP server's certificate was not accepted (${msg}); turn certificate checking off only for a test server`;
  }
  if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(msg)) {
    return `Could not start TLS with ${where}: the server does not speak TLS on this port (for a STARTTLS port such as 587, choose STARTTLS)`;
  }
  switch (code) {
    case 'EAUTH':
      return response ? `SMTP server refused the login: ${response}` : `SMTP login failed: ${msg}`;
    case 'ETLS':
      // requireTLS sends STARTTLS even when not offered: a 5xx answer means the server has none.
      if (err.command === 'STARTTLS' && err.responseCode && err.responseCode >= 500) return 'The server does not offer STARTTLS, which this setting requires';
      return `The TLS upgrade with the SMTP server failed: ${msg}`;
    case 'EENVELOPE':
      return `SMTP server refused the ${err.command === 'MAIL FROM' ? 'sender' : 'recipient'}: ${response || msg}`;
    case 'EMESSAGE':
      return `SMTP server refused the message: ${response || msg}`;
    case 'EDNS':
      return `Could not find the SMTP server ${where}: ${sys ?? msg}`;
  }
  if (sys && NETWORK_CODES.has(sys)) {
    return /ECONNRESET|EPIPE/.test(sys) ? `The SMTP server ${where} dropped the connection (${sys})` : `Could not connect to ${where}: ${sys}`;
  }
  if (/closed unexpectedly|Server closed the connection/i.test(msg)) return `The SMTP server ${where} closed the connection unexpectedly`;
  if (response) return `SMTP server answered ${response}`;
  return `Sending through ${where} failed: ${msg}`;
}
