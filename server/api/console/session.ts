import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperatorRow, Services } from '../../services/index';
import { authenticateSession, SESSION_ABSOLUTE_MS } from '../../services/operatorAuth/index';

export const SESSION_COOKIE = 'tessera_session';

export interface ConsoleSessionInfo {
  id: string;
  operator: OperatorRow;
}

export function readCookie(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,200}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS. */
export function sessionCookie(value: string, opts: { secure: boolean; clear?: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${opts.clear ? '' : value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${opts.clear ? 0 : Math.floor(SESSION_ABSOLUTE_MS / 1000)}`,
  ];
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

export function sessionOf(services: Services, req: FastifyRequest): ConsoleSessionInfo | null {
  const id = readCookie(req, SESSION_COOKIE);
  if (!id) return null;
  const auth = authenticateSession(services, id);
  return auth ? { id, operator: auth.operator } : null;
}

/** True for requests a browser marks as coming from another site. */
export function isCrossSite(req: FastifyRequest): boolean {
  return req.headers['sec-fetch-site'] === 'cross-site';
}

export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, value: string | null): void {
  reply.header('set-cookie', sessionCookie(value ?? '', { secure: req.protocol === 'https', clear: value === null }));
}
