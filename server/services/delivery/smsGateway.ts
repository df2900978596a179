import { STATUS_CODES } from 'node:http';
import { type DeliveryOutcome, isLoopbackHost, type SmsGatewayConfig } from '../../../shared/schemas/delivery';
import { delivered, failed, oneLine, scrub, seconds, wireForms } from './outcome';

export interface SmsMessage {
  /** E.164, e.g. +441234567812. */
  to: string;
  /** The whole SMS text (codeSms / testSms). */
  text: string;
  /** The code alone, for {{code}}; scrubbed out of anything we pass on. */
  code: string;
  issuer: string;
}

type HttpConfig = Extract<SmsGatewayConfig, { profile: 'http' }>;
type TwilioConfig = Extract<SmsGatewayConfig, { profile: 'twilio' }>;
type Request = { url: string; headers: Headers; body: string; extraSecrets: string[] };

/** Enough for any gateway's answer; a gateway that streams more is cut off, not buffered. */
const MAX_ANSWER_BYTES = 16 * 1024;
const E164 = /^\+[1-9]\d{6,14}$/;
const PLACEHOLDER = /\{\{\s*(to|code|issuer|message)\s*\}\}/g;

/**
 * Sends one SMS through the configured gateway: one POST, no redirects, the
 * whole exchange (answer body included) within config.timeoutMs. Never throws
 * for a delivery failure; the secret and the code never appear in what it returns.
 */
export async function sendSms(config: SmsGatewayConfig, secret: string | null, message: SmsMessage): Promise<DeliveryOutcome> {
  if (!E164.test(message.to)) throw new TypeError('sendSms: `to` must be an E.164 number (parsePhone)');
  const built = config.profile === 'twilio' ? twilioRequest(config, secret, message) : httpRequest(config, secret, message);
  if (typeof built === 'string') return failed(built);
  const secrets = [...wireForms(secret), message.code, ...built.extraSecrets];
  const clean = (text: string) => oneLine(scrub(text, secrets), 200);

  let res: Response;
  let body: string;
  try {
    res = await fetch(built.url, {
      method: 'POST',
      headers: built.headers,
      body: built.body,
      redirect: 'error',
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    body = await readBounded(res, MAX_ANSWER_BYTES);
  } catch (err) {
    return failed(clean(describeFetchError(err, config.timeoutMs)));
  }
  return config.profile === 'twilio' ? judgeTwilio(res, body, clean) : judgeHttp(config, res, body, clean);
}

function httpRequest(config: HttpConfig, secret: string | null, message: SmsMessage): Request | string {
  const url = new URL(config.url);
  // Defence in depth: the schema refuses this too; stored settings might predate it.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    return 'The gateway URL must use https (http only to this machine)';
  const headers = new Headers({ 'content-type': config.bodyFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' });
  for (const h of config.headers) {
    if (h.value.includes('{{secret}}') && !secret) return `The gateway header ${h.name} uses {{secret}} but no secret is stored`;
    const value = h.value.split('{{secret}}').join(secret ?? '');
    if (/[\r\n\0]/.test(value)) return `The gateway header ${h.name} cannot hold the stored secret: it contains a line break`;
    headers.set(h.name, value); // after content-type: a gateway that wants "application/json; charset=utf-8" may say so
  }
  const values: Record<string, string> = { to: message.to, code: message.code, issuer: message.issuer, message: message.text };
  const encode = config.bodyFormat === 'json' ? (v: string) => JSON.stringify(v).slice(1, -1) : encodeURIComponent;
  // One pass, so a value that itself contains "{{code}}" is not expanded again.
  const body = config.bodyTemplate.replace(PLACEHOLDER, (_m, name: string) => encode(values[name]!));
  if (config.bodyFormat === 'json' && !isJson(body)) return 'The body template is not valid JSON once filled in: put each {{…}} inside double quotes';
  return { url: url.href, headers, body, extraSecrets: [] };
}

function twilioRequest(config: TwilioConfig, secret: string | null, message: SmsMessage): Request | string {
  if (!secret) return 'No Twilio auth token is stored';
  const credentials = Buffer.from(`${config.accountSid}:${secret}`, 'utf8').toString('base64');
  const url = `${config.apiBase.replace(/\/+$/, '')}/2010-04-01/Accounts/${config.accountSid}/Messages.json`;
  const form = new URLSearchParams({ To: message.to, [config.from.startsWith('MG') ? 'MessagingServiceSid' : 'From']: config.from, Body: message.text });
  const headers = new Headers({ authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
  return { url, headers, body: form.toString(), extraSecrets: [credentials] };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined); // frees the connection; nothing more is read
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max));
}

function statusLine(res: Response): string {
  return `${res.status} ${res.statusText || STATUS_CODES[res.status] || ''}`.trim();
}

function judgeHttp(config: HttpConfig, res: Response, body: string, clean: (s: string) => string): DeliveryOutcome {
  const said = clean(body);
  const line = said ? `${statusLine(res)}: ${said}` : statusLine(res);
  const statusOk = config.successStatuses.length > 0 ? config.successStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!statusOk) return failed(`Gateway answered ${line}`);
  if (config.successBodyContains && !body.includes(config.successBodyContains)) {
    return failed(`Gateway answered ${statusLine(res)} without “${clean(config.successBodyContains)}” in its answer${said ? `: ${said}` : ''}`);
  }
  return delivered(line);
}

interface TwilioAnswer {
  sid?: unknown;
  status?: unknown;
  code?: unknown;
  message?: unknown;
  error_code?: unknown;
  error_message?: unknown;
}

function judgeTwilio(res: Response, body: string, clean: (s: string) => string): DeliveryOutcome {
  let answer: TwilioAnswer = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') answer = parsed as TwilioAnswer;
  } catch {
    // not JSON: said as is below
  }
  const ok = res.status >= 200 && res.status < 300;
  if (!ok) {
    if (typeof answer.message === 'string') {
      const code = typeof answer.code === 'number' || typeof answer.code === 'string' ? ` (error ${answer.code})` : '';
      return failed(clean(`Twilio answered ${statusLine(res)}: ${answer.message}${code}`));
    }
    const said = clean(body);
    return failed(`Gateway answered ${statusLine(res)}${said ? `: ${said}` : ''}`);
  }
  const status = typeof answer.status === 'string' ? answer.status : 'unknown';
  if (status === 'failed' || status === 'undelivered') {
    const why = typeof answer.error_message === 'string' ? `: ${answer.error_message}` : '';
    const code = answer.error_code != null ? ` (error ${String(answer.error_code)})` : '';
    return failed(clean(`Twilio could not send the message, status ${status}${why}${code}`));
  }
  const sid = typeof answer.sid === 'string' ? ` ${answer.sid}` : '';
  return delivered(clean(`Twilio accepted message${sid} (${status})`));
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/;

/** fetch's error → one human line. Its errors hide the reason in `cause` (sometimes an AggregateError of one per address). */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `Gateway did not answer within ${seconds(timeoutMs)}`;
  let cause = e?.cause as { code?: string; message?: string; errors?: Array<{ code?: string }> } | undefined;
  if (cause && !cause.code && Array.isArray(cause.errors) && cause.errors[0]) cause = { ...cause, code: cause.errors[0].code };
  const code = cause?.code ?? '';
  const text = cause?.message ?? e?.message ?? String(err);
  if (/redirect/i.test(text)) return 'The gateway answered with a redirect, which is not followed: give the URL it redirects to';
  if (CERT_CODES.test(code)) return `The gateway's certificate was not accepted: ${code}`;
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return 'The gateway closed the connection before answering';
  return `Could not reach the gateway: ${code || text}`;
}
