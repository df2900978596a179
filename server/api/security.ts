import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The console's Content-Security-Policy: scripts and styles only from our own
 * origin, no inline script, no framing, no plugins, forms only to ourselves.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  // Printing a PDF the console fetched (enrollment sheets): a hidden frame on a blob: URL of it. Only
  // our own scripts can make blob: URLs, and a blob: document inherits this policy (object-src stays 'none').
  "frame-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Host names the server answers to; anything else is refused (DNS rebinding). */
export function allowedHosts(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host, ...extra]);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`.toLowerCase());
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

export function hostAllowed(req: FastifyRequest, allowed: Set<string>): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

/**
 * How many Host headers a request carries. Node keeps the first and drops the
 * others from `req.headers`, so a second one (which a proxy in front may have
 * read instead) is only visible in the raw list.
 */
export function hostHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'host') count++;
  return count;
}

/** Headers every response carries, the server's own refusals included (see clientErrors.ts). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/** Headers every response carries. */
export function applySecurityHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  const type = String(reply.getHeader('content-type') ?? '');
  // A page with a stricter policy of its own (the API docs) keeps it.
  if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONSOLE_CSP);
}

/** The header the desktop app's main process adds to every request of its console window (spelled in shared/). */
export { LAUNCH_SECRET_HEADER } from '../../shared/consoleHeaders';

/**
 * Whether a request path needs the launch secret when one is set: everything
 * but the REST API for applications (API keys) and /healthz, i.e. the
 * console's pages, assets, /trpc and /console routes. `url` is the raw
 * request target (path and query).
 */
export function needsLaunchSecret(url: string): boolean {
  const path = url.split('?')[0]!;
  return !(path === '/healthz' || path.startsWith('/api/'));
}

/** Compares a request's launch header with the secret in constant time. */
export function launchSecretMatches(header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const a = createHash('sha256').update(header).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
