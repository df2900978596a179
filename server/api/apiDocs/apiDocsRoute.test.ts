import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../core/tokens';
import { SESSION_ABSOLUTE_MS } from '../../services/operatorAuth';
import { startTestServer, type TestServer } from '../../testing/harness';
import { usernameKey } from '../../../shared/schemas/text';
import type { OperatorRole } from '../../../shared/schemas/operators';
import { CONSOLE_CSP } from '../security';
import { API_DOCS_CSP } from './apiDocsRoute';
import { API_DOCS_SCRIPT } from './docsScript';

let t: TestServer;
const cookies = new Map<OperatorRole, string>();

/** An active operator with a live session, straight into the store (the login flow has its own tests). */
function signedIn(role: OperatorRole): string {
  const { store } = t.services;
  const id = randomUUID();
  store.operators.insert({
    id,
    username: `docs-${role}`,
    username_key: usernameKey(`docs-${role}`),
    display_name: null,
    role,
    password_hash: null,
    status: 'active',
    created_at: t.clock.now(),
  });
  const sessionId = generateToken();
  const now = t.clock.now();
  store.sessions.insert({
    id_hash: hashToken(sessionId),
    operator_id: id,
    created_at: now,
    last_seen_at: now,
    expires_at: now + SESSION_ABSOLUTE_MS,
    ip: null,
    user_agent: null,
  });
  return `tessera_session=${sessionId}`;
}

const asRole = (role: OperatorRole, csrf = true) => ({ cookie: cookies.get(role)!, ...(csrf ? { 'x-tessera-csrf': '1' } : {}) });

beforeAll(async () => {
  t = await startTestServer();
  for (const role of ['admin', 'helpdesk', 'auditor'] as const) cookies.set(role, signedIn(role));
});
afterAll(async () => {
  await t?.close();
});

describe('the API docs page (issue 18, item 11)', () => {
  it('is served by Tessera under its own CSP, stricter than the console’s: no inline or eval, no other origin', async () => {
    const res = await t.call('GET', '/api-docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy');
    expect(csp).toBe(API_DOCS_CSP);
    expect(csp).not.toBe(CONSOLE_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = res.text;
    expect(html).toContain('<script src="/api-docs/docs.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style|\sstyle="|\son\w+="/);

    // The console's own pages keep the console's policy.
    expect((await t.call('GET', '/audit')).headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });

  it('its script and style come from Tessera; the script is valid JavaScript that needs no eval or innerHTML', async () => {
    const js = await t.call('GET', '/api-docs/docs.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const text = js.text;
    expect(text).toBe(API_DOCS_SCRIPT);
    expect(() => new Function(text)).not.toThrow(); // parses (a String.raw slip would not)
    expect(text).not.toMatch(/\beval\(|new Function|innerHTML|insertAdjacentHTML|\.style\.|setAttribute\('style'/);
    const css = await t.call('GET', '/api-docs/docs.css');
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
      const doc = res.json as { openapi: string; paths: Record<string, unknown> };
      expect(doc).toEqual(byKey);
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/verify');
    }
  });
});
