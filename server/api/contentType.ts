import { TesseraError } from '../../shared/errors';

/** Charset labels that name UTF-8 (WHATWG Encoding): the only text encoding Tessera reads. */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/**
 * The request's Content-Type, checked before its body is read: a body is
 * read as UTF-8, so a `charset` naming anything else (utf-16, latin1) is
 * refused rather than misread, and multipart forms are refused everywhere
 * (tRPC would otherwise accept them; the API is JSON only, README "Limits and refusals"). Which media
 * types a route takes is up to its parsers (415 for the rest). Returns the
 * refusal, or null when the header is fine or absent.
 */
export function contentTypeRefusal(header: string | undefined): TesseraError | null {
  if (header === undefined || header.trim() === '') return null;
  const [type = '', ...params] = header.split(';');
  if (type.trim().toLowerCase() === 'multipart/form-data') {
    return new TesseraError('unsupported_media_type', 'Send JSON with Content-Type: application/json (forms are not accepted)');
  }
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = unquote(param.slice(eq + 1)).toLowerCase();
    if (UTF8_LABELS.has(charset)) continue;
    const named = /^[a-z0-9._:-]{1,40}$/.test(charset) ? `charset=${charset}` : 'that charset';
    return new TesseraError('unsupported_media_type', `Send the body as UTF-8 (charset=utf-8, or no charset): ${named} is not supported`);
  }
  return null;
}
