import { z } from 'zod';
import { PhoneNumber } from './phone';
import { cleanText, Email } from './text';

/**
 * How Tessera delivers the codes it sends (email over SMTP, SMS through an
 * HTTP gateway). The secrets (SMTP password, gateway token) are write-only:
 * an input may set or clear one, a view only says whether one is stored.
 */

/** Host names a connection without TLS, or a gateway over plain http, may use: this machine only. */
export const LOOPBACK_HOSTS = ['127.0.0.1', '::1', '[::1]', 'localhost'] as const;

export function isLoopbackHost(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** implicit: TLS from the first byte (port 465); starttls: upgrade required, refused if the server does not offer it; none: loopback only. */
export const SmtpTlsMode = z.enum(['implicit', 'starttls', 'none']);
export type SmtpTlsMode = z.infer<typeof SmtpTlsMode>;

const Host = cleanText(253, 'Host').refine((h) => /^[A-Za-z0-9.:[\]-]+$/.test(h), 'Host must be a host name or an IP address');
const Port = z.number({ error: 'Port must be a number' }).int('Port must be a whole number').min(1, 'Port must be 1–65535').max(65535, 'Port must be 1–65535');
const TimeoutMs = z.number().int().min(1000, 'Timeout must be at least 1 second').max(60_000, 'Timeout must be at most 60 seconds');
/** A write-only secret: a string sets it, null clears it, absent keeps the stored one. */
const WriteOnlySecret = z.string().min(1, 'Secret must not be empty').max(1024, 'Secret is too long').nullable().optional();

const SmtpFields = z.object({
  host: Host,
  port: Port,
  tls: SmtpTlsMode,
  /** Account to authenticate as; null: no authentication. */
  username: cleanText(256, 'SMTP username').nullable(),
  from: Email,
  /** Check the server's certificate against the system's CAs (off only for a test server with its own certificate). */
  verifyCertificate: z.boolean().default(true),
  timeoutMs: TimeoutMs.default(10_000),
});

function plainOnlyOnLoopback(c: { tls: SmtpTlsMode; host: string }): boolean {
  return c.tls !== 'none' || isLoopbackHost(c.host);
}
const PLAIN_SMTP_MESSAGE = { message: 'A connection without TLS is allowed only to this machine (127.0.0.1, ::1, localhost)', path: ['tls'] };

export const SmtpConfig = SmtpFields.refine(plainOnlyOnLoopback, PLAIN_SMTP_MESSAGE);
export type SmtpConfig = z.infer<typeof SmtpConfig>;

export const SmtpConfigInput = SmtpFields.extend({ password: WriteOnlySecret }).strict().refine(plainOnlyOnLoopback, PLAIN_SMTP_MESSAGE);
export type SmtpConfigInput = z.infer<typeof SmtpConfigInput>;

export const SmtpConfigView = SmtpFields.extend({ hasPassword: z.boolean(), updatedAt: z.string() });
export type SmtpConfigView = z.infer<typeof SmtpConfigView>;

const GatewayUrl = z
  .string()
  .trim()
  .max(2048, 'URL is too long')
  .pipe(z.url({ error: 'URL is not valid' }))
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'The gateway URL must use https (http only to this machine)');

export const GatewayHeader = z.object({
  name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Header name must be letters, digits and dashes'),
  /** May contain {{secret}}, replaced by the stored secret when sending. */
  value: z
    .string()
    .max(1024, 'Header value is too long')
    .refine((v) => !/[\r\n]/.test(v), 'Header value must be one line'),
});
export type GatewayHeader = z.infer<typeof GatewayHeader>;

/**
 * A generic HTTP gateway: one POST per message. The body template takes
 * {{to}} (E.164), {{code}}, {{issuer}} and {{message}} (the whole text); in
 * a JSON body each is inserted as a JSON string's content, in a form body URL-encoded.
 */
const HttpGatewayFields = z.object({
  profile: z.literal('http'),
  url: GatewayUrl,
  headers: z.array(GatewayHeader).max(10, 'At most 10 headers').default([]),
  bodyFormat: z.enum(['json', 'form']),
  bodyTemplate: z.string().min(1, 'Body template must not be empty').max(4096, 'Body template is too long'),
  /** Answer statuses that mean "sent" (default: any 2xx). */
  successStatuses: z.array(z.number().int().min(100).max(599)).max(20).default([]),
  /** Text the answer's body must contain to count as sent (for gateways that answer 200 with an error inside); empty: not checked. */
  successBodyContains: z.string().max(256).default(''),
  timeoutMs: TimeoutMs.default(10_000),
});

/** Twilio's Messages API: Basic auth with the account SID and auth token (the secret), form body To/From/Body. */
const TwilioGatewayFields = z.object({
  profile: z.literal('twilio'),
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'Account SID is "AC" and 32 hex digits'),
  /** The sending number (E.164) or messaging service SID (MG…). */
  from: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'From is an E.164 number (+15551234567) or a messaging service SID (MG…)'),
  /** Base URL of the API: Twilio's own unless pointed elsewhere (a test server, a regional edge). */
  apiBase: GatewayUrl.default('https://api.twilio.com'),
  timeoutMs: TimeoutMs.default(10_000),
});

export const SmsGatewayConfig = z.discriminatedUnion('profile', [HttpGatewayFields, TwilioGatewayFields]);
export type SmsGatewayConfig = z.infer<typeof SmsGatewayConfig>;

export const SmsGatewayConfigInput = z.discriminatedUnion('profile', [
  HttpGatewayFields.extend({ secret: WriteOnlySecret }).strict(),
  TwilioGatewayFields.extend({ secret: WriteOnlySecret }).strict(),
]);
export type SmsGatewayConfigInput = z.infer<typeof SmsGatewayConfigInput>;

export const SmsGatewayConfigView = z.discriminatedUnion('profile', [
  HttpGatewayFields.extend({ hasSecret: z.boolean(), updatedAt: z.string() }),
  TwilioGatewayFields.extend({ hasSecret: z.boolean(), updatedAt: z.string() }),
]);
export type SmsGatewayConfigView = z.infer<typeof SmsGatewayConfigView>;

/** What a transport said: the server's answer on success, its error text (never a secret or the code) on failure. */
export const DeliveryOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), response: z.string() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

export const DeliveryChannel = z.enum(['email', 'sms']);
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;

/** "Send a test message": to an address or number the admin types. */
export const TestEmailInput = z.object({ to: Email }).strict();
export const TestSmsInput = z.object({ to: PhoneNumber }).strict();
