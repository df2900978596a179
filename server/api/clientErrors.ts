import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../shared/errors';
import { SECURITY_HEADERS } from './security';

/**
 * Refusals that Node's HTTP parser makes before Fastify sees a request
 * (headers over the limit, bytes that are not HTTP, a header or request
 * timeout, an unknown `Expect`): answered in the API's error shape with the
 * security headers, like every other response, instead of Node's or Fastify's
 * bare bodies.
 */

function responseHeaders(body: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    connection: 'close',
    ...SECURITY_HEADERS,
  };
}

function errorJson(code: ErrorCode, message: string): string {
  const body: ErrorBody = { error: { code, message } };
  return JSON.stringify(body);
}

/** A whole HTTP/1.1 response, as bytes for a socket no ServerResponse owns. */
export function rawErrorResponse(code: ErrorCode, message: string): string {
  const status = ERROR_CODES[code];
  const body = errorJson(code, message);
  const head = Object.entries(responseHeaders(body))
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n${body}`;
}

/** What the parser's error means for the client. */
export function clientErrorRefusal(err: { code?: string }): { code: ErrorCode; message: string } {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'timeout', message: 'The request did not arrive in time: send its headers and body without pausing' };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'headers_too_large', message: `The request headers are over the ${Math.round(http.maxHeaderSize / 1024)} KB limit` };
    default:
      return { code: 'bad_request', message: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * Fastify's clientErrorHandler (Node's 'clientError' event). As Node's own
 * handler does, it writes only when no response has begun on the socket (a
 * second response in the middle of one would corrupt it), then closes it.
 */
export function handleClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const { code, message } = clientErrorRefusal(err);
    socket.write(rawErrorResponse(code, message));
  }
  socket.destroy(err);
}

/** Node's 'checkExpectation' event: an `Expect` other than 100-continue gets 417 in the API's shape. */
export function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const body = errorJson('expectation_failed', 'Only "Expect: 100-continue" is supported; send the request without that Expect header');
  res.writeHead(ERROR_CODES.expectation_failed, responseHeaders(body));
  res.end(body);
}
