import { initTRPC, TRPCError } from '@trpc/server';
import { TesseraError } from '../../../shared/errors';
import { checkCsrf, operatorFor } from '../console/consoleAuth';
import { ROLE_SETS, type RoleSet } from '../console/roles';
import type { TrpcContext } from './context';
import { consoleError, type ConsoleErrorData } from './errorFormat';

const TRPC_CODE: Record<number, TRPCError['code']> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  423: 'FORBIDDEN',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
};

export interface ProcedureMeta {
  /** Which operators may call the procedure; the role matrix test reads this. */
  roles: RoleSet | 'public';
  /** Callable while the operator must still replace a password someone else set (consoleAuth.operatorFor). */
  beforePasswordChange?: boolean;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
    isDev: false,
    // Every error gets a stable Tessera code and a human message (errorFormat.ts); nothing of a parser's internals.
    errorFormatter({ shape, error }) {
      const { message, ...rest } = consoleError(error);
      const data: ConsoleErrorData = { code: shape.data.code, httpStatus: shape.data.httpStatus, ...rest };
      return { message, code: shape.code, data };
    },
  });

/** Maps TesseraErrors thrown by services to tRPC errors with the same code and message. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof TesseraError) {
      throw new TRPCError({ code: TRPC_CODE[cause.status] ?? 'INTERNAL_SERVER_ERROR', message: cause.message, cause });
    }
  }
  return result;
});

/** Mutations need the console's custom header and must not come from another site (CSRF); the console routes use the same check. */
const csrfGuard = t.middleware(({ ctx, type, next }) => {
  checkCsrf(ctx, type === 'mutation' ? 'header' : 'none');
  return next();
});

const base = t.procedure.use(errorMapping).use(csrfGuard);

/** A procedure any of the roles in `set` may call; everyone else gets 401 or 403 before the handler runs. */
function procedureFor(set: RoleSet, opts: { beforePasswordChange?: boolean } = {}) {
  return base
    .meta({ roles: set, ...(opts.beforePasswordChange ? { beforePasswordChange: true } : {}) })
    .use(({ ctx, next }) => next({ ctx: { ...ctx, ...operatorFor(ctx, set, opts) } }));
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = base.meta({ roles: 'public' });
export const anyOperatorProcedure = procedureFor('anyOperator');
/** Any operator, also while they must still replace a password someone else set: changing it, signing out. */
export const passwordChangeProcedure = procedureFor('anyOperator', { beforePasswordChange: true });
export const readUsersProcedure = procedureFor('readUsers');
export const helpdeskProcedure = procedureFor('helpdesk');
export const auditProcedure = procedureFor('audit');
export const adminProcedure = procedureFor('admin');
export { ROLE_SETS };
