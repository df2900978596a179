import { CSRF_HEADER, CSRF_VALUE } from '../../../shared/consoleHeaders';
import { sessionFetch } from '../lib/sessionActivity';

/**
 * The console's calls that are not tRPC (CSV uploads, PDFs and exports that
 * stream): same origin, the session cookie, the CSRF header, and the server's
 * `{error:{code,message}}` turned into one error type.
 */
export class ConsoleRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ConsoleRequestError';
  }
}

export interface ConsoleFetchInit {
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, with its content type (a CSV file). */
  body?: { data: Blob; contentType: string };
  signal?: AbortSignal | undefined;
  /** What to say when the server answers 413 (each route has its own limit). */
  tooLarge?: string;
  /** What to say for a failure the server did not explain. Default "The server answered <status>". */
  failed?: (status: number) => string;
  /** Extra request headers (e.g. `prefer: respond-async`). */
  headers?: Record<string, string>;
}

/** Answers the response when it is 2xx; otherwise throws ConsoleRequestError with the server's message. An abort rethrows as is. */
export async function consoleFetch(path: string, init: ConsoleFetchInit = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers, [CSRF_HEADER]: CSRF_VALUE };
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.body) {
    headers['content-type'] = init.body.contentType;
    body = init.body.data;
  }
  let res: Response;
  try {
    res = await sessionFetch(path, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      credentials: 'same-origin',
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new ConsoleRequestError('Tessera did not answer; check that the server is running', 0, null);
  }
  if (!res.ok) {
    const error = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    const message =
      error?.message ?? (res.status === 413 && init.tooLarge ? init.tooLarge : (init.failed?.(res.status) ?? `The server answered ${res.status}`));
    throw new ConsoleRequestError(message, res.status, error?.code ?? null);
  }
  return res;
}
