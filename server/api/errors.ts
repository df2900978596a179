import { z } from 'zod';
import { TesseraError, type ErrorBody, type FieldIssue } from '../../shared/errors';

/** Turns zod issues into field-level messages an operator or developer can act on. */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `Unknown field(s): ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'Required';
    return { path: path || '(body)', message };
  });
}

export function badInput(error: z.ZodError, prefix = ''): TesseraError {
  const fields = fieldIssues(error, prefix);
  const summary = fields
    .slice(0, 3)
    .map((f) => `${f.path}: ${f.message}`)
    .join('; ');
  return new TesseraError('bad_request', `Invalid input — ${summary}`, { fields });
}

/** Maps anything thrown while serving a request to a status and the API's error body. Never echoes internals. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof TesseraError) return { status: err.status, body: err.toBody() };
  if (err instanceof z.ZodError) {
    const e = badInput(err);
    return { status: e.status, body: e.toBody() };
  }
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: { code: 'too_large', message: 'The request body is over the 64 KB limit' } } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: { code: 'unsupported_media_type', message: 'Send JSON with Content-Type: application/json' } } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: { code: 'bad_request', message: 'The request body is empty; send a JSON object' } } };
    case 'FST_ERR_BAD_URL':
      return { status: 400, body: { error: { code: 'bad_request', message: 'The URL is not valid (check its percent-encoding)' } } };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 400, body: { error: { code: 'bad_request', message: 'A path segment of the URL is too long' } } };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: { code: 'bad_request', message: 'The request body is not valid JSON' } } };
    default:
      break;
  }
  if (err instanceof SyntaxError) {
    return { status: 400, body: { error: { code: 'bad_request', message: 'The request body is not valid JSON' } } };
  }
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: { code: 'bad_request', message: 'The request could not be read' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Tessera hit an internal error; the details are in its log' } } };
}
