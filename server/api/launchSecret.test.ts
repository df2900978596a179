import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAdminSetupPath, LAUNCH_SECRET_HEADER, startTessera, type RunningTessera } from '../tessera';
import { createApiKey } from '../services/apiKeys';
import { SYSTEM_ACTOR } from '../services/index';
import { launchSecretMatches, needsLaunchSecret } from './security';

/**
 * The desktop app's per-launch secret: with `launchSecret` set, the console
 * (pages, assets, /trpc, /console) answers only requests carrying it, and the
 * REST API and /healthz stay open to applications.
 */

const SECRET = 'k3Qv0Zq8b1m2N4x6R8t0Y2u4W6s8P0a2';
let dir: string;
let running: RunningTessera;
let apiKey: string;

/** A raw HTTP request (no client-side path normalisation, unlike fetch). */
function raw(
  pathAndQuery: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: running.port,
        path: pathAndQuery,
        method: opts.method ?? 'GET',
        headers: { host: `localhost:${running.port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const withSecret = (headers: Record<string, string> = {}) => ({ ...headers, [LAUNCH_SECRET_HEADER]: SECRET });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-launch-'));
  // A stand-in console build: the unit tests must not depend on `vite build`.
  const consoleDir = path.join(dir, 'console');
  fs.mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Tessera console</title><script type="module" src="/assets/app.js"></script>');
  fs.writeFileSync(path.join(consoleDir, 'assets', 'app.js'), 'export {};\n');
  running = await startTessera({ dataDir: path.join(dir, 'data'), port: 0, env: {}, consoleDir, launchSecret: SECRET });
  apiKey = createApiKey(running.services, { name: 'app', scopes: ['verify', 'provision'] }, SYSTEM_ACTOR).key;
});

afterAll(async () => {
  await running?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('console paths need the launch secret', () => {
  const consolePaths = [
    '/',
    '/index.html',
    '/assets/app.js',
    '/users',
    '/setup?token=abc',
    '/trpc/auth.me',
    '/console/users/import/preview',
    '/nope',
    '//trpc/auth.me',
  ];

  it.each(consolePaths)('%s without the secret: 403 and nothing of the console', async (p) => {
    const r = await raw(p);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect(r.body).not.toContain('Tessera console');
  });

  it.each(consolePaths)('%s with a wrong secret: 403', async (p) => {
    expect((await raw(p, { headers: { [LAUNCH_SECRET_HEADER]: `${SECRET}x` } })).status).toBe(403);
    expect((await raw(p, { headers: { [LAUNCH_SECRET_HEADER]: '' } })).status).toBe(403);
    expect((await raw(p, { headers: { [LAUNCH_SECRET_HEADER]: SECRET.toUpperCase() } })).status).toBe(403);
  });

  it('a tRPC mutation without the secret is refused before it runs', async () => {
    const r = await raw('/trpc/auth.login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tessera-csrf': '1' },
      body: JSON.stringify({ username: 'a', password: 'b' }),
    });
    expect(r.status).toBe(403);
  });

  it('with the secret the window gets the console, its assets and tRPC', async () => {
    const index = await raw('/', { headers: withSecret() });
    expect(index.status).toBe(200);
    expect(index.type).toContain('text/html');
    expect(index.body).toContain('Tessera console');
    expect((await raw('/assets/app.js', { headers: withSecret() })).status).toBe(200);
    expect((await raw('/users', { headers: withSecret() })).status).toBe(200); // SPA fallback
    const me = await raw('/trpc/auth.me', { headers: withSecret() });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ result: { data: null } });
  });

  it('the first-run setup link works only in the window (with the secret)', async () => {
    const setup = firstAdminSetupPath(running, 'desktop');
    expect(setup).toMatch(/^\/setup\?token=[A-Za-z0-9_%-]+$/);
    expect((await raw(setup!)).status).toBe(403);
    expect((await raw(setup!, { headers: withSecret() })).status).toBe(200);
  });
});

describe('applications are still served', () => {
  it('/healthz needs no secret', async () => {
    const r = await raw('/healthz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true });
  });

  it('the REST API answers with an API key and no secret', async () => {
    const created = await raw('/api/v1/users', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'app-user' }),
    });
    expect(created.status).toBe(201);
    const verify = await raw('/api/v1/verify', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'app-user', code: '123456' }),
    });
    expect(verify.status).toBe(200);
    expect(JSON.parse(verify.body)).toMatchObject({ ok: false });
  });

  it('the REST API still needs its API key', async () => {
    expect((await raw('/api/v1/users/app-user')).status).toBe(401);
    expect((await raw('/api/v1/users/app-user', { headers: withSecret() })).status).toBe(401);
  });

  it('an /api/ path with dot segments never reaches the console', async () => {
    for (const p of ['/api/../', '/api/v1/../../index.html', '/api/%2e%2e/trpc/auth.me', '/api/v1/../../trpc/auth.me']) {
      const r = await raw(p);
      expect(r.body, p).not.toContain('Tessera console');
      expect(r.body, p).not.toContain('"result"');
      expect(r.status, p).toBeGreaterThanOrEqual(400);
    }
  });

  it('the Host check still comes first', async () => {
    expect((await raw('/', { headers: withSecret({ host: `evil.example:${running.port}` }) })).status).toBe(421);
  });
});

describe('without a launch secret (tessera serve, the browser)', () => {
  it('the console is served as before', async () => {
    const plain = await startTessera({ dataDir: path.join(dir, 'plain'), port: 0, env: {}, consoleDir: path.join(dir, 'console') });
    try {
      const res = await fetch(`${plain.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Tessera console');
    } finally {
      await plain.close();
    }
  });

  it('a short secret is refused at start', async () => {
    await expect(startTessera({ dataDir: path.join(dir, 'short'), port: 0, env: {}, consoleDir: null, launchSecret: 'short' })).rejects.toThrow(/at least 16/);
  });
});

describe('needsLaunchSecret / launchSecretMatches', () => {
  it('exempts exactly /healthz and /api/…', () => {
    expect(needsLaunchSecret('/healthz')).toBe(false);
    expect(needsLaunchSecret('/healthz?x=1')).toBe(false);
    expect(needsLaunchSecret('/api/v1/verify')).toBe(false);
    expect(needsLaunchSecret('/healthzz')).toBe(true);
    expect(needsLaunchSecret('/api')).toBe(true);
    expect(needsLaunchSecret('/apix/v1')).toBe(true);
    expect(needsLaunchSecret('/')).toBe(true);
    expect(needsLaunchSecret('/trpc/auth.me?input=%7B%7D')).toBe(true);
  });

  it('matches only the exact secret', () => {
    expect(launchSecretMatches(SECRET, SECRET)).toBe(true);
    expect(launchSecretMatches(undefined, SECRET)).toBe(false);
    expect(launchSecretMatches([SECRET, SECRET], SECRET)).toBe(false);
    expect(launchSecretMatches(`${SECRET} `, SECRET)).toBe(false);
  });
});
