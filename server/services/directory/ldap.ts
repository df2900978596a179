import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { TesseraError } from '../../../shared/errors';
import { parseLdapUrl, type DirectoryConfig, type DirectoryTestStage } from '../../../shared/schemas/directory';
import type { DirectoryConnection } from './config';

/**
 * Talking to the directory with ldapts: a client with the configured TLS
 * (ldaps, or STARTTLS that must succeed), a bind, paged searches; and every
 * failure in words, with where it happened. No password reaches a message.
 */

/** A failure the directory caused (or the way to it), said in words. */
export class DirectoryError extends TesseraError {
  constructor(
    readonly stage: DirectoryTestStage,
    message: string,
    readonly ldapCode: number | null = null,
  ) {
    super('directory_unavailable', message);
  }
}

/** LDAP result codes (RFC 4511 §4.1.9) people meet, in words. */
const RESULT_WORDS: Record<number, string> = {
  1: 'operations error',
  2: 'protocol error',
  3: 'time limit exceeded',
  4: 'size limit exceeded (the server returns at most so many entries: use a page size below its limit)',
  7: 'authentication method not supported',
  8: 'stronger authentication required (the server wants TLS, or signing)',
  11: 'administrative limit exceeded',
  12: 'unavailable critical extension (the server does not support paged results)',
  13: 'confidentiality required (the server wants TLS)',
  32: 'no such object (the base DN does not exist, or the account may not see it)',
  34: 'invalid DN syntax',
  48: 'inappropriate authentication',
  49: 'invalid credentials (wrong bind DN or password)',
  50: 'insufficient access rights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwilling to perform',
  80: 'other',
};

const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Says what went wrong at `stage`, in words; a DirectoryError passes as it is. */
export function describeLdapError(err: unknown, stage: DirectoryTestStage, where: string): DirectoryError {
  if (err instanceof DirectoryError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : null;
  const raw = typeof e.message === 'string' ? e.message.trim() : String(err);
  if (err instanceof ResultCodeError) {
    const n = err.code;
    // ldapts' messages are mostly the code in hex; the server's diagnostic text, when it sent one, comes first.
    const diagnostic = raw.replace(/\s*Code:\s*0x[0-9a-f]+\s*$/i, '').trim();
    const words = RESULT_WORDS[n] ?? 'error';
    const prefix = err instanceof InvalidCredentialsError ? 'The directory refused the bind DN and password' : `The directory answered`;
    return new DirectoryError(
      stage === 'connect' || stage === 'tls' ? 'bind' : stage,
      `${prefix}: LDAP ${n} ${words}${diagnostic ? ` — "${diagnostic}"` : ''}`,
      n,
    );
  }
  if (code !== null && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) {
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new DirectoryError('tls', `The certificate of ${where} is not for that name: ${raw} (use the name the certificate is for in the URL)`);
    }
    if (['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code)) {
      return new DirectoryError('tls', `The certificate of ${where} is not signed by a CA Tessera trusts (${raw}): paste the directory's CA certificate`);
    }
    return new DirectoryError('tls', `TLS with ${where} failed: ${raw}`);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new DirectoryError('connect', `Could not connect to ${where}: connection refused (is the directory server running, and is the port right?)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DirectoryError('connect', `Could not connect to ${where}: the host name is not known`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DirectoryError('connect', `Could not connect to ${where}: no answer (${code}); check the host, the port and the firewall`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DirectoryError(stage, `${where} closed the connection (${code}): a TLS setting that does not match the port (ldaps on 389, ldap on 636)?`);
  }
  if (/timed? ?out/i.test(raw)) return new DirectoryError(stage === 'tls' ? 'connect' : stage, `${where} did not answer in time (${raw})`);
  if (/filter/i.test(raw) && stage === 'search') return new DirectoryError('search', `The filter is not valid LDAP filter syntax: ${raw}`);
  return new DirectoryError(stage, `The directory connection failed at ${stage}: ${raw}`);
}

function tlsOptionsOf(config: DirectoryConfig): ConnectionOptions {
  const u = parseLdapUrl(config.url)!;
  return {
    minVersion: 'TLSv1.2',
    ...(config.caCertificate ? { ca: config.caCertificate } : {}),
    ...(isIP(u.host) ? {} : { servername: u.host }),
  };
}

export function whereOf(config: DirectoryConfig): string {
  const u = parseLdapUrl(config.url)!;
  return `${u.host}:${u.port}`;
}

/**
 * A client connected with the configured TLS and bound as `dn`. The stage
 * of a failure is known from what was being done: TLS first (ldaps's
 * handshake happens on the first request, the bind), then the bind.
 */
export async function connectAndBind(config: DirectoryConfig, dn: string, password: string): Promise<Client> {
  const where = whereOf(config);
  const client = new Client({
    url: config.url,
    timeout: config.timeoutMs,
    connectTimeout: Math.min(config.timeoutMs, 10_000),
    strictDN: false,
    ...(config.tls === 'ldaps' ? { tlsOptions: tlsOptionsOf(config) } : {}),
  });
  try {
    if (config.tls === 'starttls') {
      try {
        await client.startTLS(tlsOptionsOf(config));
      } catch (err) {
        const d = describeLdapError(err, 'tls', where);
        // A server that answers STARTTLS with a result code refused it: never fall back to plain.
        if (err instanceof ResultCodeError)
          throw new DirectoryError('tls', `${where} refused STARTTLS (${d.message}); Tessera does not fall back to plain text`, err.code);
        throw d;
      }
    }
    await client.bind(dn, password);
    return client;
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw describeLdapError(err, config.tls === 'ldaps' ? 'tls' : 'connect', where);
  }
}

/** Binds as the service account: refuses at once when no password is stored (an unauthenticated bind would "succeed" with nothing). */
export async function serviceClient(conn: DirectoryConnection): Promise<Client> {
  if (conn.password === null) throw new DirectoryError('config', 'No bind password is stored: set the service account password first');
  return connectAndBind(conn.config, conn.config.bindDn, conn.password);
}

/** The first value of an attribute as text (ldapts returns a string, a list, or bytes). */
export function firstValue(entry: Record<string, unknown>, attribute: string | null): string | null {
  const all = allValues(entry, attribute);
  return all.length > 0 ? all[0]! : null;
}

export function allValues(entry: Record<string, unknown>, attribute: string | null): string[] {
  if (attribute === null) return [];
  // Attribute names are case-insensitive; ldapts keeps the server's spelling.
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (key === undefined) return [];
  const v = entry[key];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).filter((x) => x !== '');
}

/** A DN as compared (member lists against entry DNs): lower case, no spaces around separators. */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/** A group's name: the value of its DN's first RDN (cn=VPN-Users,ou=groups,… → VPN-Users), escapes undone. */
export function groupNameOf(dn: string): string {
  let value = '';
  let i = dn.indexOf('=') + 1;
  for (; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        value += String.fromCharCode(parseInt(hex, 16));
        i += 2;
      } else value += dn[++i];
    } else if (c === ',' || c === '+') break;
    else value += c;
  }
  return value.trim() || dn;
}
