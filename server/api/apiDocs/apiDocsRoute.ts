import type { FastifyInstance } from 'fastify';
import { CSRF_HEADER } from '../../../shared/consoleHeaders';
import type { Services } from '../../services/index';
import { consoleRoute } from '../console/consoleRoute';
import { API_DOCS_SCRIPT } from './docsScript';
import { API_DOCS_STYLE } from './docsStyle';

/**
 * Interactive API docs, served by Tessera itself (no CDN, works offline):
 *   GET /api-docs                      the page (a shell: nothing in it is secret)
 *   GET /api-docs/docs.js, docs.css    its script and style (docsScript.ts, docsStyle.ts)
 *   GET /console/api-docs/openapi.json the OpenAPI document, for a signed-in admin or
 *                                      auditor (the console's session and CSRF header;
 *                                      /api/v1/openapi.json stays for API keys)
 * "Try it" sends requests to /api/v1 with an API key typed on the page.
 * No new package: Scalar's current releases need Node 22, and Swagger UI
 * (@fastify/swagger-ui) wants @fastify/swagger, a second @fastify/static
 * and a CSP with https: styles. The page has a CSP of its own, stricter
 * than the console's: nothing but our script, our style and same-origin fetches.
 */
export const API_DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const API_DOCS_PATH = '/api-docs';

function page(): string {
  return `<!doctype html>
<html lang="en" data-csrf-header="${CSRF_HEADER}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs · Tessera</title>
<link rel="stylesheet" href="${API_DOCS_PATH}/docs.css">
<script src="${API_DOCS_PATH}/docs.js" defer></script>
</head>
<body>
<a class="skip" href="#docs">Skip to the operations</a>
<header class="top">
  <div>
    <h1>Tessera REST API</h1>
    <div class="meta"><span id="doc-version">OpenAPI</span> · <a href="/api-clients">Back to the console</a> · <a href="/api/v1/openapi.json">openapi.json (API key)</a></div>
  </div>
  <div class="keybox">
    <label for="api-key">API key for "Try it"</label>
    <input id="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="tsk_…">
    <small>Kept in this page only (gone on reload); sent only to this server's /api/v1.</small>
  </div>
</header>
<main id="docs" tabindex="-1"></main>
</body>
</html>
`;
}

export function registerApiDocsRoutes(app: FastifyInstance, services: Services, openApi: Record<string, unknown>): void {
  const html = page();
  const send = (type: string, body: string) => (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', type).header('content-security-policy', API_DOCS_CSP).header('cache-control', 'no-cache').send(body);
  app.get(API_DOCS_PATH, send('text/html; charset=utf-8', html));
  app.get(`${API_DOCS_PATH}/docs.js`, send('text/javascript; charset=utf-8', API_DOCS_SCRIPT));
  app.get(`${API_DOCS_PATH}/docs.css`, send('text/css; charset=utf-8', API_DOCS_STYLE));
  app.get(
    '/console/api-docs/openapi.json',
    consoleRoute(services, 'audit', () => openApi),
  );
}
