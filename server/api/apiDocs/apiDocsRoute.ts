import type { FastifyInstance, FastifyReply } from 'fastify';
import { CSRF_HEADER } from '../../../shared/consoleHeaders';
import type { Services } from '../../services/index';
import { consoleRoute } from '../console/consoleRoute';
import { API_DOCS_INITIALIZER } from './initializerScript';
import { API_DOCS_PAGE_STYLE } from './pageStyle';
import { readSwaggerUiFile, SWAGGER_UI_FILES, type SwaggerUiFile } from './swaggerUiFiles';

/**
 * Interactive API docs: Swagger UI (package swagger-ui-dist), served by
 * Tessera itself (no CDN, works offline):
 *   GET /api-docs                         the page (a shell: nothing in it is secret)
 *   GET /api-docs/swagger-ui-bundle.js,   Swagger UI, from node_modules (swaggerUiFiles.ts)
 *       /api-docs/swagger-ui.css
 *   GET /api-docs/init.js, page.css       our initializer (initializerScript.ts) and header style
 *   GET /console/api-docs/openapi.json    the OpenAPI document, for a signed-in admin or
 *                                         auditor (the console's session and CSRF header;
 *                                         /api/v1/openapi.json stays for API keys)
 * "Try it out" sends requests to /api/v1 with the API key pasted in Authorize.
 */
export const API_DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // The spec (/console/api-docs/openapi.json) and "Try it out" (/api/v1): this server only.
  "connect-src 'self'",
  // data: because swagger-ui.css draws some icons (the select arrow, the copy-to-clipboard
  // glyph, …: 24 of them) as url("data:image/svg+xml,…") backgrounds, which img-src governs;
  // without it the e2e records "img-src" violations. A data: image runs no script (an SVG
  // loaded as an image never does), and only our own stylesheets and script can name one.
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const API_DOCS_PATH = '/api-docs';
export const API_DOCS_SPEC_PATH = '/console/api-docs/openapi.json';

function page(): string {
  return `<!doctype html>
<html lang="en" data-csrf-header="${CSRF_HEADER}" data-spec-url="${API_DOCS_SPEC_PATH}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs · Tessera</title>
<link rel="stylesheet" href="${API_DOCS_PATH}/swagger-ui.css">
<link rel="stylesheet" href="${API_DOCS_PATH}/page.css">
<script src="${API_DOCS_PATH}/swagger-ui-bundle.js" defer></script>
<script src="${API_DOCS_PATH}/init.js" defer></script>
</head>
<body>
<header class="tessera-bar">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">T</span>Tessera</a>
  <span class="page-name">API docs</span>
  <nav aria-label="Console"><a href="/api-clients">Back to the console</a></nav>
</header>
<!-- Swagger UI draws the page's one h1 (the document's title) and its own main landmark. -->
<p id="docs-status" class="status" role="alert" hidden></p>
<div id="swagger-ui"></div>
</body>
</html>
`;
}

export function registerApiDocsRoutes(app: FastifyInstance, services: Services, openApi: Record<string, unknown>): void {
  const html = page();
  const send = (reply: FastifyReply, type: string, body: string | Buffer) =>
    reply.header('content-type', type).header('content-security-policy', API_DOCS_CSP).header('cache-control', 'no-cache').send(body);
  app.get(API_DOCS_PATH, (_req, reply) => send(reply, 'text/html; charset=utf-8', html));
  app.get(`${API_DOCS_PATH}/init.js`, (_req, reply) => send(reply, 'text/javascript; charset=utf-8', API_DOCS_INITIALIZER));
  app.get(`${API_DOCS_PATH}/page.css`, (_req, reply) => send(reply, 'text/css; charset=utf-8', API_DOCS_PAGE_STYLE));
  for (const [name, type] of Object.entries(SWAGGER_UI_FILES) as [SwaggerUiFile, string][]) {
    app.get(`${API_DOCS_PATH}/${name}`, (_req, reply) => send(reply, type, readSwaggerUiFile(name)));
  }
  app.get(
    API_DOCS_SPEC_PATH,
    consoleRoute(services, 'audit', () => openApi),
  );
}
