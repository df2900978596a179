import { ImportPreview, ImportStarted } from '../../../shared/schemas/userImport';

/**
 * The few console calls that are not tRPC (they take a CSV body): same
 * origin, the session cookie, and the CSRF header the server requires.
 */
export class ConsoleHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ConsoleHttpError';
  }
}

async function call<T>(path: string, init: RequestInit, parse: (body: unknown) => T): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin', headers: { 'x-tessera-csrf': '1', ...(init.headers as Record<string, string>) } });
  } catch {
    throw new ConsoleHttpError('Tessera did not answer; check that the server is running', 0, null);
  }
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) {
    const message = body?.error?.message ?? (res.status === 413 ? 'The file is too large (50 MB at most)' : `The server answered ${res.status}`);
    throw new ConsoleHttpError(message, res.status, body?.error?.code ?? null);
  }
  return parse(body);
}

/** Uploads a CSV and gets back what importing it would do; nothing changes yet. */
export function previewUserImport(file: Blob, signal?: AbortSignal): Promise<ImportPreview> {
  return call('/console/users/import/preview', { method: 'POST', body: file, headers: { 'content-type': 'text/csv' }, ...(signal ? { signal } : {}) }, (b) => ImportPreview.parse(b));
}

/** Starts importing a previewed plan; poll jobs.get with the returned job id. */
export function startUserImport(planId: string): Promise<ImportStarted> {
  return call('/console/users/import', { method: 'POST', body: JSON.stringify({ planId }), headers: { 'content-type': 'application/json' } }, (b) => ImportStarted.parse(b));
}
