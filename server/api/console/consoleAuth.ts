import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER, CSRF_VALUE } from '../../../shared/consoleHeaders';
import { TesseraError } from '../../../shared/errors';
import { operatorActor, type Actor, type Services } from '../../services/index';
import { requireRole, type RoleSet } from './roles';
import { isCrossSite, sessionOf, type ConsoleSessionInfo } from './session';

/**
 * The console's one admission, shared by the tRPC procedure builders
 * (trpc/init.ts) and the console's own HTTP routes (consoleRoute.ts), always
 * in this order: the CSRF rule (403), then the session and role (401, 403),
 * then the actor the services record.
 */

/** What the console edge reads off one request before anything runs. */
export interface ConsoleRequest {
  session: ConsoleSessionInfo | null;
  ip: string | null;
  /** The request carries the console's CSRF header and the browser does not mark it cross-site. */
  sameOriginRequest: boolean;
  /** The browser marks the request as coming from another site (Sec-Fetch-Site: cross-site). */
  crossSite: boolean;
}

export function readConsoleRequest(services: Services, req: FastifyRequest): ConsoleRequest {
  const crossSite = isCrossSite(req);
  return {
    session: sessionOf(services, req),
    ip: req.ip,
    sameOriginRequest: req.headers[CSRF_HEADER] === CSRF_VALUE && !crossSite,
    crossSite,
  };
}

/**
 * What a call must show to prove it comes from the console itself:
 *   'header'   — the CSRF header and not cross-site: every mutation, and the audit export (it is audited);
 *   'sameSite' — not cross-site: a download a plain link may start (it changes nothing);
 *   'none'     — nothing: tRPC queries.
 */
export type CsrfRule = 'header' | 'sameSite' | 'none';

export function checkCsrf(request: Pick<ConsoleRequest, 'sameOriginRequest' | 'crossSite'>, rule: CsrfRule): void {
  const refused = rule === 'header' ? !request.sameOriginRequest : rule === 'sameSite' ? request.crossSite : false;
  if (refused) throw new TesseraError('forbidden', 'Cross-site request refused');
}

/** The signed-in operator a call runs as, and the actor its audit entries name. */
export interface OperatorContext {
  session: ConsoleSessionInfo;
  actor: Actor;
}

/**
 * The role check (401 signed out, 403 a role outside `set`), then the forced
 * password change: an operator whose password someone else set (a new
 * operator, a reset) gets 403 password_change_required from everything but
 * the few calls marked `beforePasswordChange` (changing it, signing out) —
 * enforced here, not only by the console's screen. Then the actor.
 */
export function operatorFor(request: Pick<ConsoleRequest, 'session' | 'ip'>, set: RoleSet, opts: { beforePasswordChange?: boolean } = {}): OperatorContext {
  const session = requireRole(request.session, set);
  if (session.operator.password_must_change === 1 && !opts.beforePasswordChange) {
    throw new TesseraError('password_change_required', 'Choose a new password before you continue: the one you signed in with was set by someone else.');
  }
  return { session, actor: operatorActor(session.operator, request.ip) };
}

/** The whole admission of an operator's call: the CSRF rule first, then the role (and the forced password change). */
export function admitOperator(request: ConsoleRequest, set: RoleSet, rule: CsrfRule): OperatorContext {
  checkCsrf(request, rule);
  return operatorFor(request, set);
}
