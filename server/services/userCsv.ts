import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { TesseraError } from '../../shared/errors';

/** A CSV over this many bytes is refused before it is read. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** A CSV with more data rows than this is refused. */
export const MAX_IMPORT_ROWS = 200_000;

/** One data row of an import, before validation. `row` is the file line the record starts on (the header is line 1). */
export interface ImportRow {
  row: number;
  username?: string | undefined;
  email?: string | undefined;
  displayName?: string | undefined;
  phone?: string | undefined;
}

/** What a whole file held, once its rows have all been handed over. */
export interface UserCsvSummary {
  /** Header names that are not ours, in file order. */
  ignoredColumns: string[];
  /** Data rows read. */
  total: number;
}

/** A batch of rows, and how far into the file (bytes) the reader had got. */
export interface UserCsvBatch {
  rows: ImportRow[];
  bytesRead: number;
}

/** Header names accepted for each field, compared lower-case without spaces, '_' or '-'. */
const HEADER_ALIASES: Record<string, 'username' | 'email' | 'displayName' | 'phone'> = {
  username: 'username',
  user: 'username',
  email: 'email',
  mail: 'email',
  emailaddress: 'email',
  displayname: 'displayName',
  fullname: 'displayName',
  phone: 'phone',
  mobile: 'phone',
  mobilephone: 'phone',
  phonenumber: 'phone',
};

type Column = keyof Omit<ImportRow, 'row'> | null;

/**
 * Reads a user CSV (UTF-8, header row naming the columns: username, email,
 * display_name — also displayName, "display name", e-mail) and hands its data
 * rows to `onBatch` in file order, `batchSize` at a time, as they are parsed:
 * the parsed records are never all held at once. Columns it does not know are
 * ignored and named in the summary. Refuses files over MAX_IMPORT_BYTES or
 * MAX_IMPORT_ROWS data rows. The delimiter is ',' unless the header uses ';'
 * or tabs (spreadsheets in some locales). The bytes are parsed as they are:
 * no decoded copy of the whole file is made.
 */
export function parseUserCsv(content: Uint8Array | string, onBatch: (batch: UserCsvBatch) => void, batchSize = 5000): UserCsvSummary {
  let bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (bytes.byteLength > MAX_IMPORT_BYTES) throw tooLarge(bytes.byteLength);
  if (!isUtf8(bytes)) throw new TesseraError('bad_request', 'The file is not UTF-8 text; save it from the spreadsheet as "CSV UTF-8"');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const head = bytes.subarray(0, Math.min(bytes.byteLength, 64 * 1024)).toString('utf8');
  const firstLine = head.slice(0, head.search(/\r?\n|$/));
  const delimiter = firstLine.includes(',') ? ',' : firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';

  let columns: Column[] | null = null;
  const ignoredColumns: string[] = [];
  let total = 0;
  let batch: ImportRow[] = [];
  const onRecord = (record: string[], info: { lines: number; bytes: number }): null => {
    if (columns === null) {
      columns = readHeader(record, ignoredColumns);
      return null;
    }
    if (++total > MAX_IMPORT_ROWS) {
      throw new TesseraError('too_large', `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows; split it into smaller files`);
    }
    // info.lines is where the record ends; a quoted cell may span lines, so count back to where it starts.
    const breaks = record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    const row: ImportRow = { row: info.lines - breaks };
    columns.forEach((field, c) => {
      if (field !== null) row[field] = record[c] ?? '';
    });
    batch.push(row);
    if (batch.length >= batchSize) {
      onBatch({ rows: batch, bytesRead: info.bytes });
      batch = [];
    }
    // Nothing is kept in the parser's own result: the rows went to onBatch.
    return null;
  };

  try {
    parse(bytes, { delimiter, relax_column_count: true, skip_empty_lines: true, on_record: onRecord });
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new TesseraError('bad_request', `The file is not valid CSV: ${message}`);
  }
  if (columns === null) throw new TesseraError('bad_request', 'The file is empty; the first row must name the columns: username, email, display_name');
  if (batch.length > 0) onBatch({ rows: batch, bytesRead: bytes.byteLength });
  return { ignoredColumns, total };
}

/** Maps header cells to our fields (null: ignored), or says why the header will not do. */
function readHeader(header: string[], ignoredColumns: string[]): Column[] {
  const columns: Column[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    const field =
      HEADER_ALIASES[
        name
          .normalize('NFKC')
          .toLowerCase()
          .replace(/[\s_-]+/g, '')
      ] ?? null;
    if (field === null) {
      if (name.trim() !== '') ignoredColumns.push(name.trim());
    } else if (seen.has(field)) {
      throw new TesseraError('bad_request', `The header names the ${field === 'displayName' ? 'display_name' : field} column twice`);
    } else {
      seen.add(field);
    }
    columns.push(field);
  }
  if (!seen.has('username')) {
    throw new TesseraError('bad_request', 'The first row must be a header naming the columns: username, email, display_name (no username column found)');
  }
  return columns;
}

function tooLarge(size: number): TesseraError {
  return new TesseraError(
    'too_large',
    `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files`,
  );
}
