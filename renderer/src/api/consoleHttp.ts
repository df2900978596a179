import { ImportPreview, ImportPreviewStarted, ImportStarted } from '../../../shared/schemas/userImport';
import { consoleFetch } from './consoleFetch';

/** User import: the CSV goes up as is (text/csv), so it is a console route, not tRPC. */

const IMPORT_TOO_LARGE = 'The file is too large (50 MB at most)';

/**
 * Uploads a CSV and starts its preview as a server job (the file is read and
 * checked with progress): poll jobs.get with the returned id; its result is the ImportPreview.
 */
export async function startUserImportPreview(file: Blob, signal?: AbortSignal): Promise<ImportPreviewStarted> {
  const res = await consoleFetch('/console/users/import/preview', {
    body: { data: file, contentType: 'text/csv' },
    headers: { prefer: 'respond-async' },
    signal,
    tooLarge: IMPORT_TOO_LARGE,
  });
  return ImportPreviewStarted.parse(await res.json());
}

/** Starts importing a previewed plan; poll jobs.get with the returned job id. */
export async function startUserImport(planId: string, enrollEmail = false): Promise<ImportStarted> {
  const res = await consoleFetch('/console/users/import', { json: { planId, enrollEmail } });
  return ImportStarted.parse(await res.json());
}
