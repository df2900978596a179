import {
  GatewayHeader,
  SmsGatewayConfigInput,
  SmtpConfigInput,
  type SmsGatewayConfigView,
  type SmtpConfigView,
  type SmtpTlsMode,
} from '../../../../shared/schemas/delivery';
import { checkForm } from '../../lib/zodForm';
import type { Checked } from '../../lib/useCheckedSubmit';

/**
 * The email and SMS cards' values as typed, what they send, and the checks
 * before sending: the server's own schemas (shared/schemas/delivery.ts), with
 * the few cases zod would word for a programmer (an empty number, a list of
 * statuses typed as text) said in words first. Secrets start empty: they
 * are write-only, and a view only says whether one is stored.
 */

/** NumberInput gives '' for an empty field. */
export type NumberValue = number | string;

const DEFAULT_TIMEOUT_SECONDS = 10;

function numberOrError(value: NumberValue, missing: string, errors: Record<string, string>, key: string): number | string {
  if (typeof value === 'number') return value;
  if (value.trim() === '' || !Number.isFinite(Number(value))) {
    errors[key] = missing;
    return value;
  }
  return Number(value);
}

/** Seconds as typed → the schema's milliseconds (the timeout is shown in seconds, stored in ms). */
function timeoutMs(seconds: NumberValue, errors: Record<string, string>): number | string {
  const n = numberOrError(seconds, 'Enter a timeout in seconds (1–60)', errors, 'timeoutMs');
  return typeof n === 'number' ? Math.round(n * 1000) : n;
}

/** A write-only secret: typed → set; "remove" → null (cleared); otherwise left out (the stored one is kept). */
function secretPatch<K extends string>(key: K, typed: string, remove: boolean): Partial<Record<K, string | null>> {
  if (remove) return { [key]: null } as Record<K, null>;
  return typed ? ({ [key]: typed } as Record<K, string>) : {};
}

// ---------------------------------------------------------------------------
// SMTP

export interface SmtpValues {
  host: string;
  port: NumberValue;
  tls: SmtpTlsMode;
  username: string;
  from: string;
  verifyCertificate: boolean;
  timeoutSeconds: NumberValue;
  /** Typed only: never filled from the server. */
  password: string;
  removePassword: boolean;
}

/** The port each TLS mode usually goes with (changing the mode moves a port that was one of these). */
export const SMTP_PORTS: Record<SmtpTlsMode, number> = { implicit: 465, starttls: 587, none: 25 };

export function smtpValues(view: SmtpConfigView | null): SmtpValues {
  return {
    host: view?.host ?? '',
    port: view?.port ?? SMTP_PORTS.starttls,
    tls: view?.tls ?? 'starttls',
    username: view?.username ?? '',
    from: view?.from ?? '',
    verifyCertificate: view?.verifyCertificate ?? true,
    timeoutSeconds: view ? view.timeoutMs / 1000 : DEFAULT_TIMEOUT_SECONDS,
    password: '',
    removePassword: false,
  };
}

export function checkSmtp(v: SmtpValues): Checked<SmtpConfigInput> {
  const pre: Record<string, string> = {};
  const input = {
    host: v.host,
    port: numberOrError(v.port, 'Enter the port (1–65535)', pre, 'port'),
    tls: v.tls,
    username: v.username.trim() ? v.username : null,
    from: v.from,
    verifyCertificate: v.verifyCertificate,
    timeoutMs: timeoutMs(v.timeoutSeconds, pre),
    ...secretPatch('password', v.password, v.removePassword),
  };
  if (v.host.trim() === '') pre.host = 'Enter the SMTP server’s host name';
  if (v.from.trim() === '') pre.from = 'Enter the address codes are sent from';
  if (v.password && !v.username.trim()) pre.password = 'A password needs a username to log in with';
  const r = checkForm(SmtpConfigInput, input);
  if (!r.ok || Object.keys(pre).length) return { ok: false, errors: { ...(r.ok ? {} : r.errors), ...pre } };
  return r;
}

// ---------------------------------------------------------------------------
// SMS gateway

export type BodyFormat = 'json' | 'form';

export interface HeaderRow {
  name: string;
  value: string;
}

export interface SmsValues {
  profile: 'http' | 'twilio';
  url: string;
  headers: HeaderRow[];
  bodyFormat: BodyFormat;
  bodyTemplate: string;
  /** As typed: "200, 201"; empty means any 2xx. */
  successStatuses: string;
  successBodyContains: string;
  accountSid: string;
  from: string;
  apiBase: string;
  timeoutSeconds: NumberValue;
  /** Typed only: never filled from the server. */
  secret: string;
  removeSecret: boolean;
}

export const TWILIO_API_BASE = 'https://api.twilio.com';

/** A starting body for each format (replaced when the format changes, unless it was edited). */
export const DEFAULT_BODY: Record<BodyFormat, string> = {
  json: '{"to": "{{to}}", "text": "{{message}}"}',
  form: 'to={{to}}&text={{message}}',
};

export function smsValues(view: SmsGatewayConfigView | null): SmsValues {
  const http = view?.profile === 'http' ? view : null;
  const twilio = view?.profile === 'twilio' ? view : null;
  return {
    profile: view?.profile ?? 'http',
    url: http?.url ?? '',
    headers: http?.headers.map((h) => ({ ...h })) ?? [],
    bodyFormat: http?.bodyFormat ?? 'json',
    bodyTemplate: http?.bodyTemplate ?? DEFAULT_BODY.json,
    successStatuses: http?.successStatuses.join(', ') ?? '',
    successBodyContains: http?.successBodyContains ?? '',
    accountSid: twilio?.accountSid ?? '',
    from: twilio?.from ?? '',
    apiBase: twilio?.apiBase ?? TWILIO_API_BASE,
    timeoutSeconds: view ? view.timeoutMs / 1000 : DEFAULT_TIMEOUT_SECONDS,
    secret: '',
    removeSecret: false,
  };
}

/** "200, 201 204" → [200, 201, 204], or why not. */
export function parseStatuses(text: string): { ok: true; statuses: number[] } | { ok: false; message: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const bad = parts.find((p) => !/^\d{3}$/.test(p) || Number(p) < 100 || Number(p) > 599);
  if (bad !== undefined) return { ok: false, message: `“${bad}” is not an HTTP status: give three-digit codes (100–599), separated by commas` };
  if (parts.length > 20) return { ok: false, message: 'At most 20 statuses' };
  return { ok: true, statuses: [...new Set(parts.map(Number))] };
}

/** Field keys of a header row's errors: `headers.0.name`, `headers.0.value`. */
export const headerKey = (i: number, field: keyof HeaderRow) => `headers.${i}.${field}`;

export function checkSms(v: SmsValues): Checked<SmsGatewayConfigInput> {
  const pre: Record<string, string> = {};
  const timeout = timeoutMs(v.timeoutSeconds, pre);
  const secret = secretPatch('secret', v.secret, v.removeSecret);
  let input: Record<string, unknown>;
  if (v.profile === 'http') {
    // A row left entirely blank is no header; each other row is checked by the same schema, on its own fields.
    const rows = v.headers.map((h, i) => ({ ...h, i })).filter((h) => h.name.trim() || h.value.trim());
    for (const h of rows) {
      const r = checkForm(GatewayHeader, { name: h.name.trim(), value: h.value });
      if (!r.ok) for (const [k, m] of Object.entries(r.errors)) pre[headerKey(h.i, k as keyof HeaderRow)] ??= m;
    }
    const statuses = parseStatuses(v.successStatuses);
    if (!statuses.ok) pre.successStatuses = statuses.message;
    if (v.successBodyContains.length > 256) pre.successBodyContains = 'At most 256 characters';
    if (v.url.trim() === '') pre.url = 'Enter the gateway’s URL';
    input = {
      profile: 'http',
      url: v.url,
      headers: rows.map((h) => ({ name: h.name.trim(), value: h.value })),
      bodyFormat: v.bodyFormat,
      bodyTemplate: v.bodyTemplate,
      successStatuses: statuses.ok ? statuses.statuses : [],
      successBodyContains: v.successBodyContains,
      timeoutMs: timeout,
      ...secret,
    };
  } else {
    input = {
      profile: 'twilio',
      accountSid: v.accountSid.trim(),
      from: v.from.trim(),
      ...(v.apiBase.trim() ? { apiBase: v.apiBase } : {}),
      timeoutMs: timeout,
      ...secret,
    };
  }
  const r = checkForm(SmsGatewayConfigInput, input);
  if (!r.ok || Object.keys(pre).length) {
    const errors = { ...(r.ok ? {} : r.errors), ...pre };
    // A row's message shows on its field; the schema's own 'headers' message stays only for the list as a whole (too many).
    if (Object.keys(pre).some((k) => k.startsWith('headers.'))) delete errors.headers;
    return { ok: false, errors };
  }
  return r;
}
