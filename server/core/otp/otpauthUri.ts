import { TesseraError } from '../../../shared/errors';
import { base32Decode, base32Encode } from './secret';
import { isOtpAlgorithm, isOtpDigits, isTotpPeriod, type OtpAlgorithm, type OtpDigits } from './types';

export interface OtpauthUriFields {
  type: 'totp' | 'hotp';
  issuer: string;
  account: string;
  secret: Uint8Array;
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
  /** TOTP only; default 30. */
  period?: number;
  /** HOTP only; default 0. */
  counter?: number;
}

/**
 * Google Key URI format. The issuer goes in the label prefix and in the
 * parameter (older apps read one, newer the other). A colon in the issuer
 * would make the label ambiguous, so it is refused; a colon in the account
 * (usernames may have one) is percent-encoded, and since the issuer has none
 * the first colon still separates them.
 * Note: some apps (Google Authenticator) ignore algorithm/digits/period.
 */
export function buildOtpauthUri(o: OtpauthUriFields): string {
  checkLabelPart(o.issuer, 'issuer');
  if (o.issuer.includes(':')) throw new TesseraError('bad_request', 'The issuer must not contain a colon');
  checkLabelPart(o.account, 'account');
  if (!isOtpAlgorithm(o.algorithm)) throw new TesseraError('bad_request', 'Unsupported OTP algorithm');
  if (!isOtpDigits(o.digits)) throw new TesseraError('bad_request', 'OTP digits must be 6 or 8');

  const label = `${encode(o.issuer)}:${encode(o.account)}`;
  const params = [`secret=${base32Encode(o.secret)}`, `issuer=${encode(o.issuer)}`, `algorithm=${o.algorithm}`, `digits=${o.digits}`];
  if (o.type === 'totp') {
    const period = o.period ?? 30;
    if (!isTotpPeriod(period)) throw new TesseraError('bad_request', 'TOTP period must be 30 or 60');
    params.push(`period=${period}`);
  } else if (o.type === 'hotp') {
    const counter = o.counter ?? 0;
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new TesseraError('bad_request', 'HOTP counter must be a non-negative integer');
    }
    params.push(`counter=${counter}`);
  } else {
    throw new TesseraError('bad_request', 'OTP type must be totp or hotp');
  }
  return `otpauth://${o.type}/${label}?${params.join('&')}`;
}

/** Parses a URI as built above (and the common variants apps emit). */
export function parseOtpauthUri(uri: string): OtpauthUriFields {
  const m = /^otpauth:\/\/(totp|hotp)\/([^?#]*)\?([^#]*)$/i.exec(uri);
  if (!m) throw new TesseraError('bad_request', 'Not an otpauth URI');
  const type = m[1]!.toLowerCase() as 'totp' | 'hotp';
  const label = decode(m[2]!);
  const params = new URLSearchParams(m[3]!);

  const colon = label.indexOf(':');
  const labelIssuer = colon >= 0 ? label.slice(0, colon).trim() : null;
  const account = (colon >= 0 ? label.slice(colon + 1) : label).trim();
  const paramIssuer = params.get('issuer');
  if (paramIssuer !== null && labelIssuer !== null && paramIssuer !== labelIssuer) {
    throw new TesseraError('bad_request', 'The otpauth URI names two different issuers');
  }
  const issuer = paramIssuer ?? labelIssuer ?? '';

  const secretText = params.get('secret');
  if (!secretText) throw new TesseraError('bad_request', 'The otpauth URI has no secret');
  const secret = base32Decode(secretText);

  const algorithm = (params.get('algorithm') ?? 'SHA1').toUpperCase();
  if (!isOtpAlgorithm(algorithm)) throw new TesseraError('bad_request', 'Unsupported OTP algorithm');
  const digits = intParam(params, 'digits', 6);
  if (!isOtpDigits(digits)) throw new TesseraError('bad_request', 'OTP digits must be 6 or 8');

  const fields: OtpauthUriFields = { type, issuer, account, secret, algorithm, digits };
  if (type === 'totp') fields.period = intParam(params, 'period', 30);
  else fields.counter = intParam(params, 'counter', 0);
  return fields;
}

// encodeURIComponent leaves !'()* alone; encode them too so no app misreads them.
function encode(s: string): string {
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    // A lone surrogate cannot be encoded as UTF-8.
    throw new TesseraError('bad_request', 'The issuer or account is not valid Unicode text');
  }
  return out.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new TesseraError('bad_request', 'The otpauth URI has a malformed percent-encoding');
  }
}

function checkLabelPart(value: string, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TesseraError('bad_request', `The ${what} must not be empty`);
  }
  if (/[\x00-\x1f\x7f]/.test(value)) throw new TesseraError('bad_request', `The ${what} must not contain control characters`);
}

function intParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,15}$/.test(raw)) throw new TesseraError('bad_request', `The otpauth parameter ${name} is not a number`);
  return Number(raw);
}
