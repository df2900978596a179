/**
 * The HTTP header names the console and the server agree on, spelled once.
 * The CSRF header is what a cross-site form or image cannot send: every
 * console mutation (tRPC and the console's own routes) must carry it.
 */
export const CSRF_HEADER = 'x-tessera-csrf';
export const CSRF_VALUE = '1';
/** The total number of entries an audit export will stream, so the console can show progress. */
export const EXPORT_TOTAL_HEADER = 'x-tessera-total';
/** On an issued enrollment sheet: the new pending factor and when it expires. */
export const SHEET_FACTOR_ID_HEADER = 'x-tessera-factor-id';
export const SHEET_EXPIRES_AT_HEADER = 'x-tessera-expires-at';
/** The desktop shell's per-launch secret: its main process adds it to the console window's requests (server/api/security.ts). */
export const LAUNCH_SECRET_HEADER = 'x-tessera-launch';
