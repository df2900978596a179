import type { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '../../../shared/errors';
import { authenticateApiKey, recordApiKeyUse, type ApiPrincipal } from '../../services/apiKeys';
import type { Actor, Services } from '../../services/index';
import { badInput } from '../errors';
import type { RestRoute } from './route';

function bearerKey(req: FastifyRequest): string {
  const header = req.headers.authorization;
  if (!header) throw new TesseraError('unauthorized', 'Send the API key as "Authorization: Bearer tsk_…"');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new TesseraError('unauthorized', 'The Authorization header must be "Bearer tsk_…"');
  return match[1]!;
}

function authorize(services: Services, req: FastifyRequest, r: RestRoute): ApiPrincipal {
  const principal = authenticateApiKey(services, bearerKey(req));
  if (!r.scopes.some((s) => principal.scopes.includes(s))) {
    throw new TesseraError('forbidden', `This API key needs the ${r.scopes.join(' or ')} scope for this call`);
  }
  return principal;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw badInput(result.error, where === 'body' ? '' : where);
  return result.data;
}

/**
 * Serves the declared REST routes under /api/v1: API-key authentication,
 * scope check, then zod parsing of params, query and body, in that order,
 * before any service runs. Rejected requests change nothing.
 */
export function registerRestRoutes(app: FastifyInstance, services: Services, routes: readonly RestRoute[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: `/api/v1${r.path}`,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const principal = authorize(services, req, r);
        const actor: Actor = { kind: 'apikey', id: principal.id, name: principal.name, ip: req.ip };
        if (!r.body && req.body !== undefined && req.body !== null && Object.keys(req.body as object).length > 0) {
          throw new TesseraError('bad_request', 'This call takes no request body');
        }
        const params = parse(r.params, req.params, 'path');
        const query = parse(r.query, req.query, 'query');
        const body = parse(r.body, req.body, 'body');
        const result = await r.handler({ params, query, body, principal, actor, services });
        recordApiKeyUse(services, principal.id);
        reply.code(result.status);
        for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}
