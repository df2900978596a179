import type { TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { TesseraError, type ErrorCode, type FieldIssue } from '../../../shared/errors';
import { fieldIssues } from '../errors';

/** What every console error carries in `error.data`, beside tRPC's own code and status. */
export interface ConsoleErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  /** The stable Tessera code (shared/errors.ts), always set: the console branches on it. */
  tesseraCode: ErrorCode;
  fields: FieldIssue[] | null;
  retryAfterSeconds: number | null;
}

const INTERNAL_MESSAGE = 'Tessera hit an internal error; the details are in its log';

/**
 * Errors raised by tRPC itself (the request is not a call it can read),
 * with our code and our words: tRPC's own messages echo JSON.parse's
 * ("Unexpected token … at position 3"), the content type or the path sent.
 */
const TRANSPORT: Partial<Record<TRPC_ERROR_CODE_KEY, { code: ErrorCode; message: string }>> = {
  PARSE_ERROR: { code: 'bad_request', message: 'The request is not valid JSON' },
  BAD_REQUEST: { code: 'bad_request', message: 'The request is not a console call this server can read' },
  UNAUTHORIZED: { code: 'unauthorized', message: 'Sign in to continue' },
  FORBIDDEN: { code: 'forbidden', message: 'This is not allowed' },
  NOT_FOUND: { code: 'not_found', message: 'No such console call' },
  METHOD_NOT_SUPPORTED: { code: 'method_not_allowed', message: 'Wrong HTTP method for this console call (queries use GET, mutations POST)' },
  TIMEOUT: { code: 'timeout', message: 'The request did not arrive in time' },
  CONFLICT: { code: 'conflict', message: 'The request conflicts with the current state' },
  PRECONDITION_FAILED: { code: 'conflict', message: 'The request conflicts with the current state' },
  PAYLOAD_TOO_LARGE: { code: 'too_large', message: 'The request body is over the 64 KB limit' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send JSON with Content-Type: application/json' },
  UNPROCESSABLE_CONTENT: { code: 'bad_request', message: 'The request is not a console call this server can read' },
  TOO_MANY_REQUESTS: { code: 'throttled', message: 'Too many requests; wait a moment and try again' },
  CLIENT_CLOSED_REQUEST: { code: 'bad_request', message: 'The request was closed before it was answered' },
};

/**
 * The console's error: a TesseraError keeps its code, message, fields and
 * wait; a zod error lists the fields; anything else tRPC raised gets a fixed
 * code and message from TRANSPORT (a body that is not JSON: "not valid JSON",
 * never the parser's text); internal errors say only that (details in the log).
 */
export function consoleError(error: TRPCError): { message: string; tesseraCode: ErrorCode; fields: FieldIssue[] | null; retryAfterSeconds: number | null } {
  const cause = error.cause;
  if (cause instanceof TesseraError) {
    return { message: cause.message, tesseraCode: cause.code, fields: cause.fields ?? null, retryAfterSeconds: cause.retryAfterSeconds ?? null };
  }
  // An output that fails its schema is our bug, not the caller's bad input: internal, like any other.
  if (error.code === 'INTERNAL_SERVER_ERROR') return { message: INTERNAL_MESSAGE, tesseraCode: 'internal', fields: null, retryAfterSeconds: null };
  if (error.code === 'BAD_REQUEST' && cause instanceof z.ZodError) {
    const fields = fieldIssues(cause);
    const summary = fields
      .slice(0, 3)
      .map((f) => `${f.path}: ${f.message}`)
      .join('; ');
    return { message: `Invalid input — ${summary}`, tesseraCode: 'bad_request', fields, retryAfterSeconds: null };
  }
  if (error.code === 'BAD_REQUEST' && cause instanceof SyntaxError) {
    return { message: 'The request is not valid JSON', tesseraCode: 'bad_request', fields: null, retryAfterSeconds: null };
  }
  const known = TRANSPORT[error.code];
  if (known) return { message: known.message, tesseraCode: known.code, fields: null, retryAfterSeconds: null };
  return { message: INTERNAL_MESSAGE, tesseraCode: 'internal', fields: null, retryAfterSeconds: null };
}
