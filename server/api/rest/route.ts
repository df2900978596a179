import type { z } from 'zod';
import type { ApiScope } from '../../../shared/schemas/apiKeys';
import type { Actor, Services } from '../../services/index';
import type { ApiPrincipal } from '../../services/apiKeys';

export interface RestRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: ApiPrincipal;
  actor: Actor;
  services: Services;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One REST endpoint, declared once: its path, the scopes that may call it, the
 * zod schemas of its inputs and outputs (the same ones tRPC and the console
 * use), and its handler. The server and the OpenAPI document are both built
 * from these declarations.
 */
export interface RestRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify-style path under /api/v1, e.g. /users/:username */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scopes: readonly ApiScope[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (req: RestRequest<z.output<P>, z.output<Q>, z.output<B>>) => RestReply | Promise<RestReply>;
}

/** Helps TypeScript infer each route's schema types at the declaration. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(r: RestRoute<P, Q, B>): RestRoute {
  return r as unknown as RestRoute;
}
