import { afterEach, beforeEach } from 'vitest';

/**
 * The fetch boundary of the console's component tests: global fetch is
 * replaced by a stand-in server that records every request the console sends
 * (tRPC calls unbatched into one entry each, console routes as they are) and
 * answers from the handlers a test gives it. Nothing of ours is replaced: the
 * real tRPC client, consoleFetch and the components run as in the app.
 */

export interface SentCall {
  /** tRPC procedure path (`users.create`), or the console route (`POST /console/sheets/batch`). */
  name: string;
  method: string;
  input: unknown;
  headers: Record<string, string>;
}

/** What a tRPC handler throws to answer with an error, as the server's errorFormat shapes it. */
export class TrpcRefusal extends Error {
  constructor(
    message: string,
    readonly opts: { code?: string; httpStatus?: number; tesseraCode?: string; fields?: { path: string; message: string }[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

type TrpcHandler = (input: unknown) => unknown;
type RouteHandler = (body: unknown, headers: Record<string, string>) => Response | Promise<Response>;

export interface FakeTessera {
  /** Answers a tRPC procedure (query or mutation). Unknown procedures answer NOT_FOUND. */
  trpc(procedure: string, handler: TrpcHandler): void;
  /** Answers a console route, `METHOD /path`. */
  route(methodAndPath: string, handler: RouteHandler): void;
  /** Every call sent so far, oldest first. */
  readonly calls: SentCall[];
  /** The inputs sent to one procedure or route. */
  inputsOf(name: string): unknown[];
  /** Calls that change something (tRPC mutations and console POSTs). */
  mutations(): SentCall[];
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((v, k) => (out[k] = v));
  return out;
}

function envelope(result: unknown, error: unknown, path: string) {
  if (error instanceof TrpcRefusal) {
    const status = error.opts.httpStatus ?? 400;
    return {
      error: {
        message: error.message,
        code: -32600,
        data: {
          code: error.opts.code ?? 'BAD_REQUEST',
          httpStatus: status,
          tesseraCode: error.opts.tesseraCode ?? 'bad_request',
          fields: error.opts.fields ?? null,
          retryAfterSeconds: error.opts.retryAfterSeconds ?? null,
          path,
        },
      },
    };
  }
  if (error) throw error;
  return { result: { data: result } };
}

async function bodyText(init: RequestInit | undefined): Promise<string> {
  const b = init?.body;
  if (b === undefined || b === null) return '';
  if (typeof b === 'string') return b;
  if (b instanceof Blob) return await b.text();
  return String(b);
}

/** Installs the fake for each test of the calling file and restores the real fetch after it. */
export function useFakeTessera(): FakeTessera {
  let trpcHandlers = new Map<string, TrpcHandler>();
  let routeHandlers = new Map<string, RouteHandler>();
  const calls: SentCall[] = [];
  const realFetch = globalThis.fetch;

  const fake: FakeTessera = {
    trpc: (p, h) => void trpcHandlers.set(p, h),
    route: (r, h) => void routeHandlers.set(r, h),
    calls,
    inputsOf: (name) => calls.filter((c) => c.name === name).map((c) => c.input),
    mutations: () => calls.filter((c) => c.method === 'POST'),
  };

  async function fetchStub(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://127.0.0.1:8787');
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = headersOf(init);
    if (url.pathname.startsWith('/trpc/')) {
      const procedures = decodeURIComponent(url.pathname.slice('/trpc/'.length)).split(',');
      const raw = method === 'GET' ? (url.searchParams.get('input') ?? '{}') : (await bodyText(init)) || '{}';
      const inputs = JSON.parse(raw) as Record<string, unknown>;
      const out = procedures.map((p, i) => {
        const callInput = inputs[String(i)];
        calls.push({ name: p, method, input: callInput, headers });
        const handler = trpcHandlers.get(p);
        if (!handler) return envelope(null, new TrpcRefusal(`No handler for ${p} in this test`, { code: 'NOT_FOUND', httpStatus: 404 }), p);
        try {
          return envelope(handler(callInput), null, p);
        } catch (err) {
          return envelope(null, err, p);
        }
      });
      return new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    const text = await bodyText(init);
    const body = headers['content-type']?.includes('json') && text ? JSON.parse(text) : text;
    const name = `${method} ${url.pathname}`;
    calls.push({ name, method, input: body, headers });
    const handler = routeHandlers.get(name);
    if (!handler)
      return new Response(JSON.stringify({ error: { code: 'not_found', message: `No handler for ${name} in this test` } }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      });
    return handler(body, headers);
  }

  beforeEach(() => {
    trpcHandlers = new Map();
    routeHandlers = new Map();
    calls.length = 0;
    globalThis.fetch = fetchStub as typeof fetch;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  return fake;
}

/** A JSON answer of a console route. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}
