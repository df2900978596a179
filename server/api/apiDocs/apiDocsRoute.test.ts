import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieInStore, startTestServer, type TestServer } from '../../testing/harness';
import type { OperatorRole } from '../../../shared/schemas/operators';
import { CONSOLE_CSP } from '../security';
import { API_DOCS_CSP } from './apiDocsRoute';
import { API_DOCS_INITIALIZER } from './initializerScript';
import { swaggerUiPath } from './swaggerUiFiles';

/** The package's folder, found independently of swaggerUiFiles.ts (from the repo root). */
const DIST = path.resolve(import.meta.dirname, '../../../node_modules/swagger-ui-dist');

let t: TestServer;
const cookies = new Map<OperatorRole, string>();

const signedIn = (role: OperatorRole): string => sessionCookieInStore(t.services, `docs-${role}`, role, t.clock.now());

const asRole = (role: OperatorRole, csrf = true) => ({ cookie: cookies.get(role)!, ...(csrf ? { 'x-tessera-csrf': '1' } : {}) });

beforeAll(async () => {
  t = await startTestServer();
  for (const role of ['admin', 'helpdesk', 'auditor'] as const) cookies.set(role, signedIn(role));
});
afterAll(async () => {
  await t?.close();
});

describe('the API docs page: Swagger UI served by Tessera (issue 18, item 11)', () => {
  it('is served under its own CSP: nothing but our origin, no inline script or style, no eval; data: images only', async () => {
    const res = await t.call('GET', '/api-docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(API_DOCS_CSP);
    expect(csp).not.toBe(CONSOLE_CSP);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'img-src': "'self' data:",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(csp).not.toContain('unsafe-'); // no 'unsafe-eval', no 'unsafe-inline'
    expect(csp).not.toMatch(/https?:|\*|blob:/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = res.text;
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/api-docs/swagger-ui-bundle.js" defer>', '<script src="/api-docs/init.js" defer>']);
    expect(html.match(/<link rel="stylesheet"[^>]*>/g)).toEqual([
      '<link rel="stylesheet" href="/api-docs/swagger-ui.css">',
      '<link rel="stylesheet" href="/api-docs/page.css">',
    ]);
    expect(html).not.toMatch(/<script>|<style|\sstyle="|\son\w+="|\/\/[a-z]/i); // nothing inline, no other origin
    expect(html).toContain('data-csrf-header="x-tessera-csrf" data-spec-url="/console/api-docs/openapi.json"');
    expect(html).toContain('<a href="/api-clients">Back to the console</a>');

    // The console's own pages keep the console's policy ('/' is a page whether or not the console was built: CI runs this before the build).
    expect((await t.call('GET', '/')).headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });

  it("serves swagger-ui-dist 5.35.0's own bundle and stylesheet from node_modules, byte for byte", async () => {
    expect((JSON.parse(fs.readFileSync(path.join(DIST, 'package.json'), 'utf8')) as { version: string }).version).toBe('5.35.0');
    for (const [name, type] of [
      ['swagger-ui-bundle.js', /^text\/javascript/],
      ['swagger-ui.css', /^text\/css/],
    ] as const) {
      expect(swaggerUiPath(name)).toBe(path.join(DIST, name));
      const res = await t.call('GET', `/api-docs/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expect(res.text).toBe(fs.readFileSync(path.join(DIST, name), 'utf8'));
    }
    // Nothing else of the package is served (no index.html with its petstore URL, no source maps): an unknown
    // GET gets the console's own fallback page, never the package's file.
    for (const other of ['index.html', 'swagger-initializer.js', 'swagger-ui-bundle.js.map', 'oauth2-redirect.html']) {
      const res = await t.call('GET', `/api-docs/${other}`);
      expect(res.text).not.toBe(fs.readFileSync(path.join(DIST, other), 'utf8'));
      expect(res.text).not.toContain('petstore');
    }
  });

  it('the bundle needs no eval: no eval() call, and Function() only as the global-object fallback it never reaches in a browser', () => {
    const bundle = fs.readFileSync(path.join(DIST, 'swagger-ui-bundle.js'), 'utf8');
    expect(bundle).not.toMatch(/[^\w$.]eval\(/);
    const calls = bundle.match(/(?<![\w$.])Function\([^)]*\)/g) ?? []; // Function(…) and new Function(…), not isFunction(…)
    expect(calls.length).toBeGreaterThan(0); // the check below looks at something
    // `…globalThis || self || Function("return this")()` (the global object, found before that in a page) and the
    // function-bind polyfill's `Function("binder", …)`, used only where Function.prototype.bind is missing.
    expect(new Set(calls.map((c) => c.slice(0, 20)))).toEqual(new Set(['Function("return thi', 'Function("binder","r']));
    expect(bundle).not.toMatch(/scarf/i); // no telemetry in the bundle (its installer's is off: package.json scarfSettings)
    // The runtime proof is e2e/api-docs.spec.ts: the page runs under this CSP with no violation recorded.
  });

  it('our initializer is a valid script that turns off what would reach the network or keep the key', async () => {
    const js = await t.call('GET', '/api-docs/init.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const text = js.text;
    expect(text).toBe(API_DOCS_INITIALIZER);
    expect(() => new vm.Script(text)).not.toThrow(); // parses (a String.raw slip would not)
    expect(text).toContain("validatorUrl: 'none'");
    expect(text).toContain('persistAuthorization: false');
    expect(text).toContain('queryConfigEnabled: false');
    expect(text).toContain('requestInterceptor: onlyOurApi');
    expect(text).not.toMatch(/\beval\(|new Function|innerHTML|insertAdjacentHTML|\.style\.|setAttribute\('style'|localStorage|https?:/);
    const css = await t.call('GET', '/api-docs/page.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.text).not.toMatch(/@import|url\(/);
  });

  it('the OpenAPI document goes to a signed-in admin or auditor with the CSRF header, and no one else', async () => {
    expect((await t.call('GET', '/console/api-docs/openapi.json', { headers: { 'x-tessera-csrf': '1' } })).status).toBe(401);
    expect((await t.call('GET', '/console/api-docs/openapi.json', { headers: asRole('admin', false) })).status).toBe(403);
    expect((await t.call('GET', '/console/api-docs/openapi.json', { headers: asRole('helpdesk') })).status).toBe(403);
    const byKey = (await t.call('GET', '/api/v1/openapi.json', { key: t.keys.verify })).json;
    for (const role of ['admin', 'auditor'] as const) {
      const res = await t.call('GET', '/console/api-docs/openapi.json', { headers: asRole(role) });
      expect(res.status).toBe(200);
      const doc = res.json as { openapi: string; paths: Record<string, unknown>; components: unknown; servers: unknown };
      expect(doc).toEqual(byKey);
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/verify');
      // What Swagger UI's Authorize and "Try it out" use: a bearer scheme and this server's /api/v1.
      expect(doc.components).toEqual({ securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'tsk_ API key' } } });
      expect(doc.servers).toEqual([{ url: '/api/v1' }]);
    }
  });
});
