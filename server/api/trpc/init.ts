import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { TesseraError } from '../../../shared/errors';
import { fieldIssues } from '../errors';
import type { TrpcContext } from './context';

const TRPC_CODE: Record<number, TRPCError['code']> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 423: 'FORBIDDEN', 429: 'TOO_MANY_REQUESTS', 500: 'INTERNAL_SERVER_ERROR',
};

/** Converts our errors to tRPC errors that keep the stable code and human message. */
export function toTrpcError(err: unknown): unknown {
  if (err instanceof TesseraError) return new TRPCError({ code: TRPC_CODE[err.status] ?? 'INTERNAL_SERVER_ERROR', message: err.message, cause: err });
  return err;
}

const t = initTRPC.context<TrpcContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const tessera = cause instanceof TesseraError ? cause : null;
    const zodError = cause instanceof z.ZodError ? cause : null;
    return {
      ...shape,
      // Internal errors keep their details in the server log, not the console.
      message: error.code === 'INTERNAL_SERVER_ERROR' ? 'Tessera hit an internal error; the details are in its log' : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        tesseraCode: tessera?.code ?? (zodError ? 'bad_request' : error.code === 'INTERNAL_SERVER_ERROR' ? 'internal' : undefined),
        fields: tessera?.fields ?? (zodError ? fieldIssues(zodError) : undefined),
        retryAfterSeconds: tessera?.retryAfterSeconds,
      },
    };
  },
});

/** Maps TesseraErrors thrown by services to tRPC errors with the same code and message. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof TesseraError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.status] ?? 'INTERNAL_SERVER_ERROR', message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(errorMapping);
