import { SheetBatchStarted, SheetPlan, type Paper, type SheetBatchInput } from '../../../shared/schemas/sheets';

/**
 * Enrollment sheets are not tRPC: the server streams PDFs. Same origin, the
 * session cookie, and the CSRF header the server requires on every POST.
 */
export class SheetsHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'SheetsHttpError';
  }
}

async function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-tessera-csrf': '1' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new SheetsHttpError('Tessera did not answer; check that the server is running', 0, null);
  }
  if (!res.ok) {
    const error = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    const message = error?.message ?? (res.status === 413 ? 'The CSV is too large for one rollout (2 MB at most); split it' : `The server answered ${res.status}`);
    throw new SheetsHttpError(message, res.status, error?.code ?? null);
  }
  return res;
}

export interface IssuedSheet {
  /** The one-page PDF. It holds the new secret: keep it in memory only, drop it when done. */
  pdf: Blob;
  fileName: string;
  factorId: string;
  expiresAt: string | null;
}

/**
 * Issues a user's enrollment sheet: a NEW secret, replacing any pending
 * (unscanned) one. Returns the PDF to print.
 */
export async function issueUserSheet(username: string, paper: Paper): Promise<IssuedSheet> {
  const res = await post(`/console/users/${encodeURIComponent(username)}/sheet`, { paper });
  const disposition = res.headers.get('content-disposition') ?? '';
  return {
    pdf: await res.blob(),
    fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'enrollment-sheet.pdf',
    factorId: res.headers.get('x-tessera-factor-id') ?? '',
    expiresAt: res.headers.get('x-tessera-expires-at'),
  };
}

type BatchRequest = Omit<SheetBatchInput, 'dryRun'>;

/** Who would get a sheet and who is skipped and why; nothing changes. */
export async function planSheetBatch(input: BatchRequest, signal?: AbortSignal): Promise<SheetPlan> {
  const res = await post('/console/sheets/batch', { ...input, dryRun: true }, signal);
  return SheetPlan.parse(await res.json());
}

/** Starts generating; poll jobs.get with the job id, then download from `batchDownloadUrl`. */
export async function startSheetBatch(input: BatchRequest): Promise<SheetBatchStarted> {
  const res = await post('/console/sheets/batch', { ...input, dryRun: false });
  return SheetBatchStarted.parse(await res.json());
}

/** A plain link downloads the finished batch (the browser streams it to disk; only its owner gets it). */
export function batchDownloadUrl(jobId: string): string {
  return `/console/jobs/${encodeURIComponent(jobId)}/sheets.pdf`;
}
