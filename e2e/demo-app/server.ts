/**
 * A small demo application that uses Tessera for its second factor, the way a
 * real one would: its own page and its own backend (plain node:http, no
 * framework) on a loopback port; a password form (fixed demo users), then a
 * TOTP code or a security key / passkey checked through Tessera's REST API
 * with the application's API key; "Sign in with a passkey" without a user
 * name; and adding a security key once signed in (or on first sign-in, when
 * the user has no second factor yet).
 *
 * The browser never talks to Tessera: the backend holds the API key and
 * relays WebAuthn options and responses. Tessera keeps the challenges
 * (single use, 5 minutes) and says whose key answered.
 *
 * Run it by hand:
 *   npx tsx e2e/demo-app/server.ts --tessera http://127.0.0.1:8787 --key tsk_… [--port 4100]
 * and open http://localhost:4100 (not 127.0.0.1: WebAuthn needs a host name).
 * The API key needs the scopes verify,provision and a relying party with
 * RP ID localhost and the page's origin, e.g.
 *   npm run cli -- apikey create --name Demo --scopes verify,provision --rp-id localhost --origin http://localhost:4100
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = path.join(HERE, 'public');
const BROWSER_BUNDLE = path.resolve(HERE, '..', '..', 'node_modules', '@simplewebauthn', 'browser', 'dist', 'bundle', 'index.umd.min.js');

/** The demo's own users and passwords (a real application has its own user store). */
export const DEMO_USERS: Readonly<Record<string, { password: string; displayName: string }>> = {
  alice: { password: 'alice-demo-password', displayName: 'Alice Anders' },
  bob: { password: 'bob-demo-password', displayName: 'Bob Berg' },
  carol: { password: 'carol-demo-password', displayName: 'Carol Chen' },
  dave: { password: 'dave-demo-password', displayName: 'Dave Diaz' },
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

interface Session {
  /** Who passed the password (stage 'second') or both steps (stage 'done'). */
  user: string | null;
  stage: 'anonymous' | 'second' | 'done';
}

export interface DemoOptions {
  tesseraUrl: string;
  apiKey: string;
  /** Ports to listen on (127.0.0.1); 0 picks a free one. The first is the demo's own origin. */
  ports?: number[];
  /** Put before the demo's user names in Tessera (so several runs can share one Tessera). Default none. */
  tesseraUserPrefix?: string;
}

export interface DemoApp {
  /** http://localhost:PORT for each port. */
  urls: string[];
  close(): Promise<void>;
}

interface TesseraReply {
  status: number;
  json: any;
}

export async function startDemoApp(opts: DemoOptions): Promise<DemoApp> {
  const sessions = new Map<string, Session>();
  const prefix = opts.tesseraUserPrefix ?? '';
  /** The demo's user name → the user name in Tessera, and back. */
  const inTessera = (user: string) => `${prefix}${user}`;
  const fromTessera = (name: unknown) => (typeof name === 'string' && name.startsWith(prefix) ? name.slice(prefix.length) : null);

  async function tessera(method: string, pathname: string, body?: unknown): Promise<TesseraReply> {
    const res = await fetch(`${opts.tesseraUrl}/api/v1${pathname}`, {
      method,
      headers: { authorization: `Bearer ${opts.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  }

  /** Creates the demo users in Tessera (once; 409 means they exist). */
  for (const [username, u] of Object.entries(DEMO_USERS)) {
    const r = await tessera('POST', '/users', { username: inTessera(username), displayName: u.displayName });
    if (r.status !== 201 && r.status !== 409) throw new Error(`demo app: creating ${username} in Tessera → ${r.status} ${JSON.stringify(r.json)}`);
  }

  async function methodsOf(user: string): Promise<{ totp: boolean; webauthn: boolean }> {
    const r = await tessera('GET', `/users/${encodeURIComponent(inTessera(user))}`);
    const factors = (r.json?.factors ?? []) as { type: string; status: string }[];
    const active = factors.filter((f) => f.status === 'active');
    return { totp: active.some((f) => f.type === 'totp' || f.type === 'hotp'), webauthn: active.some((f) => f.type === 'webauthn') };
  }

  function sessionOf(req: http.IncomingMessage, res: http.ServerResponse): Session {
    const sid = /(?:^|;\s*)demo_sid=([A-Za-z0-9_-]{32,64})/.exec(req.headers.cookie ?? '')?.[1];
    if (sid && sessions.has(sid)) return sessions.get(sid)!;
    const fresh = randomBytes(24).toString('base64url');
    const s: Session = { user: null, stage: 'anonymous' };
    sessions.set(fresh, s);
    res.setHeader('set-cookie', `demo_sid=${fresh}; Path=/; HttpOnly; SameSite=Strict`);
    return s;
  }

  function passwordOk(user: string, password: string): boolean {
    const expected = DEMO_USERS[user]?.password ?? 'no such user, compare anyway';
    const a = createHash('sha256').update(password).digest();
    const b = createHash('sha256').update(expected).digest();
    return timingSafeEqual(a, b) && Object.hasOwn(DEMO_USERS, user);
  }

  function send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify(body));
  }

  function serveFile(res: http.ServerResponse, file: string, type: string): void {
    res.writeHead(200, {
      'content-type': type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    res.end(fs.readFileSync(file));
  }

  /** Tessera's answer to a WebAuthn verify, passed on with its reason. */
  function refusal(r: TesseraReply): { ok: false; reason: string; message: string } {
    return {
      ok: false,
      reason: r.json?.reason ?? r.json?.error?.code ?? 'error',
      message: r.json?.message ?? r.json?.error?.message ?? `Tessera answered ${r.status}`,
    };
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, route: string, body: any): Promise<void> {
    const s = sessionOf(req, res);
    switch (route) {
      case 'GET /api/me':
        return send(res, 200, {
          user: s.user,
          stage: s.stage,
          displayName: s.user ? DEMO_USERS[s.user]?.displayName : null,
          methods: s.user ? await methodsOf(s.user) : null,
        });
      case 'POST /api/login': {
        const username = String(body?.username ?? '')
          .trim()
          .toLowerCase();
        if (!passwordOk(username, String(body?.password ?? ''))) return send(res, 401, { ok: false, message: 'Wrong user name or password' });
        s.user = username;
        s.stage = 'second';
        return send(res, 200, { ok: true, next: 'second', methods: await methodsOf(username) });
      }
      case 'POST /api/totp': {
        if (s.stage !== 'second' || !s.user) return send(res, 409, { ok: false, message: 'Sign in with your password first' });
        const r = await tessera('POST', '/verify', { user: inTessera(s.user), code: String(body?.code ?? '') });
        if (r.json?.ok === true) s.stage = 'done';
        return send(res, 200, r.json?.ok ? { ok: true } : refusal(r));
      }
      case 'POST /api/key/options': {
        if (s.stage !== 'second' || !s.user) return send(res, 409, { ok: false, message: 'Sign in with your password first' });
        const r = await tessera('POST', '/webauthn/authentication/options', { user: inTessera(s.user) });
        return r.status === 200 ? send(res, 200, { ok: true, options: r.json }) : send(res, 200, refusal(r));
      }
      case 'POST /api/key/verify': {
        if (s.stage !== 'second' || !s.user) return send(res, 409, { ok: false, message: 'Sign in with your password first' });
        const r = await tessera('POST', '/webauthn/authentication/verify', { response: body?.response });
        // Tessera says whose key answered: it must be the user who typed the password.
        if (r.json?.ok === true && fromTessera(r.json.user) === s.user) {
          s.stage = 'done';
          return send(res, 200, { ok: true, user: s.user });
        }
        return send(res, 200, r.json?.ok === true ? { ok: false, reason: 'wrong_user', message: 'That key belongs to someone else' } : refusal(r));
      }
      case 'POST /api/passkey/options': {
        const r = await tessera('POST', '/webauthn/authentication/options', {});
        return r.status === 200 ? send(res, 200, { ok: true, options: r.json }) : send(res, 200, refusal(r));
      }
      case 'POST /api/passkey/verify': {
        const r = await tessera('POST', '/webauthn/authentication/verify', { response: body?.response });
        const user = r.json?.ok === true ? fromTessera(r.json.user) : null;
        if (user !== null && Object.hasOwn(DEMO_USERS, user)) {
          // A passkey is both factors at once (something you have, unlocked by something you know or are).
          s.user = user;
          s.stage = 'done';
          return send(res, 200, { ok: true, user: s.user });
        }
        return send(res, 200, refusal(r));
      }
      case 'POST /api/register/options':
      case 'POST /api/register/verify': {
        if (!s.user || s.stage === 'anonymous') return send(res, 409, { ok: false, message: 'Sign in first' });
        // After the password only when the user has no second factor yet (first sign-in); else fully signed in.
        if (s.stage === 'second') {
          const m = await methodsOf(s.user);
          if (m.totp || m.webauthn) return send(res, 409, { ok: false, message: 'Finish signing in first' });
        }
        if (route.endsWith('options')) {
          const r = await tessera('POST', '/webauthn/registration/options', { user: inTessera(s.user) });
          return r.status === 200 ? send(res, 200, { ok: true, options: r.json }) : send(res, 200, refusal(r));
        }
        const label = typeof body?.label === 'string' && body.label.trim() !== '' ? body.label.trim().slice(0, 64) : undefined;
        const r = await tessera('POST', '/webauthn/registration/verify', { user: inTessera(s.user), response: body?.response, ...(label ? { label } : {}) });
        if (r.json?.ok === true) {
          s.stage = 'done';
          return send(res, 200, { ok: true, factor: { id: r.json.factor.id, label: r.json.factor.label, model: r.json.factor.webauthn?.model } });
        }
        return send(res, 200, refusal(r));
      }
      case 'POST /api/logout':
        s.user = null;
        s.stage = 'anonymous';
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { ok: false, message: 'No such endpoint' });
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    if (req.method === 'GET' && url.pathname === '/') return serveFile(res, path.join(PUBLIC, 'index.html'), 'text/html; charset=utf-8');
    if (req.method === 'GET' && url.pathname === '/app.js') return serveFile(res, path.join(PUBLIC, 'app.js'), 'text/javascript; charset=utf-8');
    if (req.method === 'GET' && url.pathname === '/style.css') return serveFile(res, path.join(PUBLIC, 'style.css'), 'text/css; charset=utf-8');
    if (req.method === 'GET' && url.pathname === '/vendor/simplewebauthn-browser.js') return serveFile(res, BROWSER_BUNDLE, 'text/javascript; charset=utf-8');
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('Not found');
    }
    // JSON only, with the page's own header: no cross-site form can reach these.
    if (req.method === 'POST' && (req.headers['content-type'] !== 'application/json' || req.headers['x-demo'] !== '1')) {
      return send(res, 415, { ok: false, message: 'JSON with the X-Demo header only' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
      } catch {
        return send(res, 400, { ok: false, message: 'Not JSON' });
      }
      api(req, res, route, body).catch((err: Error) => send(res, 502, { ok: false, message: `Could not reach Tessera: ${err.message}` }));
    });
    return undefined;
  });

  const urls: string[] = [];
  const servers: http.Server[] = [];
  for (const port of opts.ports ?? [0]) {
    const s = port === (opts.ports ?? [0])[0] ? server : http.createServer((req, res) => server.emit('request', req, res));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    servers.push(s);
    urls.push(`http://localhost:${(s.address() as AddressInfo).port}`);
  }
  return {
    urls,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

// Run by hand: npx tsx e2e/demo-app/server.ts --tessera URL --key tsk_… [--port N]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const tesseraUrl = arg('tessera') ?? 'http://127.0.0.1:8787';
  const apiKey = arg('key') ?? process.env.DEMO_TESSERA_KEY;
  if (!apiKey) {
    console.error('usage: tsx e2e/demo-app/server.ts --tessera URL --key tsk_… [--port 4100]');
    process.exit(2);
  }
  startDemoApp({ tesseraUrl, apiKey, ports: [Number(arg('port') ?? 4100)] }).then(
    (app) => console.log(`Demo app on ${app.urls[0]} (Tessera ${tesseraUrl})`),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
