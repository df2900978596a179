import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Services } from '../../services/index';
import { admitOperator, readConsoleRequest, type CsrfRule, type OperatorContext } from './consoleAuth';
import type { RoleSet } from './roles';

/** What a console route's handler gets: the request, the reply, and who is calling (already admitted). */
export interface ConsoleCall extends OperatorContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface ConsoleRouteOptions {
  /** Default 'header': the CSRF header and not cross-site (see CsrfRule). */
  csrf?: CsrfRule;
}

/** Route options a console route adds: `app.post(url, { bodyLimit, ...consoleRoute(…) })`. */
export interface ConsoleRouteParts<R> {
  /** Hooks before the body is read; a route may append its own (they run after the admission). */
  onRequest: onRequestAsyncHookHandler[];
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<R>;
}

const admitted = new WeakMap<FastifyRequest, OperatorContext>();

/** The operator a console route admitted for this request (for a route's own onRequest hooks, which run after it). */
export function admittedOperator(req: FastifyRequest): OperatorContext {
  const op = admitted.get(req);
  if (!op) throw new Error('admittedOperator: the request was not admitted by consoleRoute');
  return op;
}

/**
 * A console HTTP route (sheets, import, audit export) that only `roles` may
 * call. The admission is the tRPC builders' own (consoleAuth.ts): the CSRF
 * rule, then the session and role, then the actor, with the same errors. It
 * runs in onRequest, before a byte of the body is read, so a refused upload
 * is never received.
 */
export function consoleRoute<R>(
  services: Services,
  roles: RoleSet,
  handler: (call: ConsoleCall) => Promise<R> | R,
  opts: ConsoleRouteOptions = {},
): ConsoleRouteParts<R> {
  const rule = opts.csrf ?? 'header';
  const admit: onRequestAsyncHookHandler = async (req) => {
    admitted.set(req, admitOperator(readConsoleRequest(services, req), roles, rule));
  };
  return {
    onRequest: [admit],
    handler: async (req, reply) => handler({ req, reply, ...admittedOperator(req) }),
  };
}
