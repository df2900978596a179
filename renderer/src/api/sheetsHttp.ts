import { SHEET_EXPIRES_AT_HEADER, SHEET_FACTOR_ID_HEADER } from '../../../shared/consoleHeaders';
import { SheetBatchStarted, SheetPlan, type Paper, type SheetBatchInput } from '../../../shared/schemas/sheets';
import { consoleFetch } from './consoleFetch';

/** Enrollment sheets are not tRPC: the server streams PDFs. */

const BATCH_TOO_LARGE = 'The CSV is too large for one rollout (2 MB at most); split it';

function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return consoleFetch(path, { json: body, signal, tooLarge: BATCH_TOO_LARGE });
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
    factorId: res.headers.get(SHEET_FACTOR_ID_HEADER) ?? '',
    expiresAt: res.headers.get(SHEET_EXPIRES_AT_HEADER),
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
