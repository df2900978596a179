import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import { TesseraError } from '../../shared/errors';
import type { Services } from '../services/index';
import { authenticateApiKey } from '../services/apiKeys';
import { databaseHealth } from '../services/system';
import { VERSION } from '../version';
import { toErrorResponse } from './errors';
import { buildOpenApiDocument } from './rest/openapi';
import { registerRestRoutes } from './rest/plugin';
import { REST_ROUTES } from './rest/routes';
import { applySecurityHeaders, allowedHosts, hostAllowed, hostHeaderCount, launchSecretMatches, needsLaunchSecret, LAUNCH_SECRET_HEADER } from './security';
import { handleClientError, refuseExpectation } from './clientErrors';
import { contentTypeRefusal } from './contentType';
import { applyConnectionCap, fastifyServerOptions, nodeServerOptions, resolveHttpLimits, type HttpLimits } from './httpLimits';
import { createContextInner } from './trpc/context';
import { appRouter } from './trpc/router';
import { retryAfterHeaders } from './trpc/retryAfter';
import { registerConsole } from './console/static';
import { registerAuditExportRoute } from './console/auditExportRoute';
import { registerApiDocsRoutes } from './apiDocs/apiDocsRoute';
import { registerImportRoutes } from './console/importRoutes';
import { registerSheetRoutes } from './console/sheetRoutes';
import { JobRegistry } from './console/jobs';
import { defaultNodeName, JobRecords, type NodeIdentity } from '../services/jobRecords';
import { readConsoleRequest } from './console/consoleAuth';
import { setSessionCookie } from './console/session';

/** Request bodies over this are refused with 413 before they are parsed. */
export const BODY_LIMIT = 64 * 1024;

export interface HttpOptions {
  host: string;
  port: number;
  /** Extra Host header names to accept (e.g. a DNS name in front of Tessera). */
  extraHosts?: readonly string[];
  logger?: boolean;
  /** The built console (renderer/dist); without it / shows a page saying how to build it. */
  consoleDir?: string | null;
  /**
   * Set by the desktop app: the console answers only requests carrying this
   * secret in the `x-tessera-launch` header (its window's main process adds
   * it), so other programs on the machine cannot reach the console. The REST
   * API and /healthz stay open: applications authenticate with API keys.
   */
  launchSecret?: string;
  /** Timeouts and the connection cap (httpLimits.ts); each one left out keeps its default. */
  limits?: Partial<HttpLimits>;
  /** This node as other nodes name it (jobs.ts): TESSERA_NODE_NAME / TESSERA_NODE_URL; the name defaults to host:port. */
  node?: { name?: string; url?: string };
}

/**
 * The one HTTP server: REST for applications under /api/v1, tRPC for the
 * console under /trpc, /healthz, and the console's pages. JSON only; every
 * request's Host header must name this server.
 */
export function buildHttpServer(services: Services, opts: HttpOptions): { app: FastifyInstance; jobs: JobRegistry; setPort(port: number): void } {
  const limits = resolveHttpLimits(opts.limits);
  const app = Fastify({
    ...fastifyServerOptions(limits),
    http: nodeServerOptions(limits),
    // Refusals by Node's parser (431, not HTTP, header/request timeout) in the API's error shape.
    clientErrorHandler: handleClientError,
    bodyLimit: BODY_LIMIT,
    logger: opts.logger ? { level: 'warn' } : false,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    // A username may be 128 characters, up to 4 UTF-8 bytes each, percent-encoded: 1536 characters in the path.
    routerOptions: { maxParamLength: 2048 },
    // Bad percent-encoding or an over-long path segment: answer in the API's error shape, not Fastify's.
    frameworkErrors: (err, _req, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const { status, body } = toErrorResponse(err);
      reply.code(status).type('application/json; charset=utf-8');
      applySecurityHeaders(reply); // no hooks run on this path
      return reply.send(body);
    },
  });
  if (opts.launchSecret !== undefined && opts.launchSecret.length < 16) throw new Error('The launch secret must be at least 16 characters');
  app.server.on('checkExpectation', refuseExpectation);
  let lastDropWarning = 0;
  applyConnectionCap(app.server, limits, () => {
    // Once a minute at most: a flood of refused connections must not flood the log too.
    if (Date.now() - lastDropWarning < 60_000) return;
    lastDropWarning = Date.now();
    app.log.warn(`refusing connections: ${limits.maxConnections} are open (the connection cap)`);
  });
  let hosts = allowedHosts(opts.host, opts.port, opts.extraHosts);
  // The name other nodes give this one for its jobs (TESSERA_NODE_NAME, else host:port once the port is known).
  const node: NodeIdentity = { name: opts.node?.name ?? defaultNodeName(opts.port), url: opts.node?.url ?? null };
  const jobs = new JobRegistry(new JobRecords(services, node));
  app.addHook('onClose', async () => jobs.closeAll());

  // JSON only: no form, multipart or text bodies, so no cross-site form can reach a mutation.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(
        null,
        JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value)),
      );
    } catch {
      done(new TesseraError('bad_request', 'The request body is not valid JSON'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    // Two Host headers: a proxy in front may have routed on the other one.
    if (hostHeaderCount(req.raw.rawHeaders) !== 1) throw new TesseraError('bad_request', 'Send exactly one Host header');
    if (!hostAllowed(req, hosts)) {
      return reply.code(421).send({ error: { code: 'bad_request', message: 'This server does not answer to that Host name' } });
    }
    if (opts.launchSecret !== undefined && needsLaunchSecret(req.url) && !launchSecretMatches(req.headers[LAUNCH_SECRET_HEADER], opts.launchSecret)) {
      return reply
        .code(403)
        .send({ error: { code: 'forbidden', message: 'This console is open in the Tessera desktop app that started this server; use that window' } });
    }
    // Before any byte of the body is read.
    const refusal = contentTypeRefusal(req.headers['content-type']);
    if (refusal) throw refusal;
    return undefined;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    applySecurityHeaders(reply);
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (body.error.retryAfterSeconds !== undefined) reply.header('retry-after', String(body.error.retryAfterSeconds));
    return reply.code(status).send(body);
  });
  const serveConsoleIndex = registerConsole(app, services, opts.consoleDir ?? null);
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/trpc/') && serveConsoleIndex(reply)) return reply;
    const known = REST_ROUTES.some((r) => req.url.split('?')[0]!.startsWith(`/api/v1${r.path.split('/:')[0]}`));
    return reply.code(404).send({ error: { code: 'not_found', message: known ? 'No such resource or method' : 'No such endpoint' } });
  });

  app.get('/healthz', async (req, reply) => {
    const database = databaseHealth(services);
    if (database.ok) return { ok: true, version: VERSION };
    // 503: a load balancer takes this node out until the database answers again.
    req.log.warn(`healthz: the database cannot be reached: ${database.detail}`);
    const refusal = new TesseraError('database_unavailable', 'This node cannot reach its database, so it can answer no request that needs it');
    return reply.code(refusal.status).send({ ok: false, version: VERSION, ...refusal.toBody() });
  });

  const openApi = buildOpenApiDocument(REST_ROUTES, VERSION);
  app.get('/api/v1/openapi.json', async (req) => {
    const header = req.headers.authorization ?? '';
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!key) throw new TesseraError('unauthorized', 'Send the API key as "Authorization: Bearer tsk_…"');
    authenticateApiKey(services, key);
    return openApi;
  });
  registerRestRoutes(app, services, REST_ROUTES);
  registerApiDocsRoutes(app, services, openApi);

  void app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      // Refusals with a wait (429, 423) say when to come back, as on the REST API.
      responseMeta: retryAfterHeaders,
      createContext: ({ req, res }: CreateFastifyContextOptions) =>
        createContextInner(services, {
          ...readConsoleRequest(services, req),
          userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
          origin: typeof req.headers.host === 'string' ? `${req.protocol}://${req.headers.host.toLowerCase()}` : null,
          setSession: (id) => setSessionCookie(res, req, id),
          jobs,
        }),
      onError: ({ error }: { error: { code: string; cause?: unknown } }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof TesseraError)) app.log.error({ err: error.cause }, 'trpc procedure failed');
      },
    },
  });
  registerImportRoutes(app, services, jobs);
  registerAuditExportRoute(app, services);
  registerSheetRoutes(app, services, jobs);

  return {
    app,
    jobs,
    setPort(port: number) {
      hosts = allowedHosts(opts.host, port, opts.extraHosts);
      if (opts.node?.name === undefined) node.name = defaultNodeName(port);
      jobs.nodeReady();
    },
  };
}
