import { TesseraError } from '../../shared/errors';

/** Opaque keyset cursors: base64url of the last key of the previous page. */
export function encodeCursor(value: string | number): string {
  return Buffer.from(String(value), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(text) !== cursor) throw new TesseraError('bad_request', 'The cursor is not one this server issued');
  return text;
}

export function decodeSeqCursor(cursor: string | undefined): number | null {
  const text = decodeCursor(cursor);
  if (text === null) return null;
  const seq = Number(text);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new TesseraError('bad_request', 'The cursor is not one this server issued');
  return seq;
}
