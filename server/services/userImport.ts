import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import { CreateUserInput } from '../../shared/schemas/users';
import type { Actor, ServiceContext } from './context';

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
}

export type SkipReason = 'already exists' | 'duplicate in file';

export interface ImportPlan {
  /** Data rows looked at. */
  total: number;
  create: { row: number; input: CreateUserInput }[];
  skip: { row: number; username: string; reason: SkipReason }[];
  /** `reason` is for people, e.g. "Email is not a valid address"; show it as `row 7: …`. */
  reject: { row: number; reason: string }[];
}

export interface ImportProgress {
  /** Planned creations attempted so far (created + skipped at apply time). */
  done: number;
  total: number;
  created: number;
  skipped: number;
}

export interface ImportOptions {
  /** Users per transaction. Default 500: short write locks, so verifies keep flowing during a big import. */
  chunkSize?: number;
  /** Called after each committed chunk. */
  onProgress?: (p: ImportProgress) => void;
  /** Checked between chunks: committed chunks stay, the rest is not attempted. */
  signal?: AbortSignal;
}

export interface ImportResult {
  created: number;
  /** Users that appeared between planning and applying, so were left alone. */
  skipped: { row: number; username: string; reason: SkipReason }[];
  cancelled: boolean;
  /** Planned creations not attempted because of a cancel. */
  notAttempted: number;
}

/** Header names accepted for each field, compared lower-case without spaces, '_' or '-'. */
const HEADER_ALIASES: Record<string, 'username' | 'email' | 'displayName'> = {
  username: 'username',
  user: 'username',
  email: 'email',
  mail: 'email',
  emailaddress: 'email',
  displayname: 'displayName',
  fullname: 'displayName',
};

/**
 * Reads a user CSV (UTF-8, header row naming the columns: username, email,
 * display_name — also displayName, "display name", e-mail). Columns it does
 * not know are ignored and named in `ignoredColumns`. Refuses files over
 * MAX_IMPORT_BYTES or MAX_IMPORT_ROWS data rows. The delimiter is ',' unless
 * the header uses ';' or tabs (spreadsheets in some locales).
 */
export function readUserCsv(content: Uint8Array | string): { rows: ImportRow[]; ignoredColumns: string[] } {
  const size = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
  if (size > MAX_IMPORT_BYTES) throw tooLarge(size);
  let text: string;
  try {
    text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new TesseraError('bad_request', 'The file is not UTF-8 text; save it from the spreadsheet as "CSV UTF-8"');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(',') ? ',' : firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // One past the limit (plus the header) is enough to know it is over.
      to: MAX_IMPORT_ROWS + 2,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new TesseraError('bad_request', `The file is not valid CSV: ${message}`);
  }
  if (records.length === 0) throw new TesseraError('bad_request', 'The file is empty; the first row must name the columns: username, email, display_name');
  if (records.length - 1 > MAX_IMPORT_ROWS) {
    throw new TesseraError('too_large', `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows; split it into smaller files`);
  }

  const header = records[0]!.record;
  const columns: (keyof Omit<ImportRow, 'row'> | null)[] = [];
  const ignoredColumns: string[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    const field = HEADER_ALIASES[name.normalize('NFKC').toLowerCase().replace(/[\s_-]+/g, '')] ?? null;
    if (field === null) {
      if (name.trim() !== '') ignoredColumns.push(name.trim());
    } else if (seen.has(field)) {
      throw new TesseraError('bad_request', `The header names the ${columnLabel(field)} column twice`);
    } else {
      seen.add(field);
    }
    columns.push(field);
  }
  if (!seen.has('username')) {
    throw new TesseraError('bad_request', 'The first row must be a header naming the columns: username, email, display_name (no username column found)');
  }

  const rows: ImportRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i]!;
    // info.lines is where the record ends; a quoted cell may span lines, so count back to where it starts.
    const breaks = record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    const row: ImportRow = { row: info.lines - breaks };
    columns.forEach((field, c) => {
      if (field !== null) row[field] = record[c] ?? '';
    });
    rows.push(row);
  }
  return { rows, ignoredColumns };
}

function columnLabel(field: string): string {
  return field === 'displayName' ? 'display_name' : field;
}

function tooLarge(size: number): TesseraError {
  return new TesseraError('too_large', `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files`);
}

/** An empty or blank optional cell means "not given". */
function optional(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Decides, without changing anything, what an import would do with each row:
 * create it, skip it (the user exists, or the username appeared earlier in
 * the file — the first occurrence wins, compared like usernames are:
 * trimmed, NFKC, case-insensitive) or reject it (the row does not pass the
 * same CreateUserInput schema as every other way of adding a user).
 */
export function planUserImport(ctx: ServiceContext, rows: readonly ImportRow[]): ImportPlan {
  const plan: ImportPlan = { total: rows.length, create: [], skip: [], reject: [] };
  const inFile = new Set<string>();
  for (const r of rows) planRow(ctx, r, plan, inFile);
  return plan;
}

/** Rows planned between yields to the event loop by planUserImportAsync. */
const PLAN_ROWS_PER_TURN = 1000;

/**
 * The same plan as planUserImport, for the server: it yields to the event
 * loop every PLAN_ROWS_PER_TURN rows, so a 200,000-row preview does not hold
 * up verifies while it is checked.
 */
export async function planUserImportAsync(ctx: ServiceContext, rows: readonly ImportRow[]): Promise<ImportPlan> {
  const plan: ImportPlan = { total: rows.length, create: [], skip: [], reject: [] };
  const inFile = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % PLAN_ROWS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    planRow(ctx, rows[i]!, plan, inFile);
  }
  return plan;
}

/** Decides one row: create, skip (exists, or earlier in the file) or reject (fails CreateUserInput). */
function planRow(ctx: ServiceContext, r: ImportRow, plan: ImportPlan, inFile: Set<string>): void {
  const parsed = CreateUserInput.safeParse({
    username: r.username ?? '',
    ...(optional(r.email) !== undefined ? { email: r.email } : {}),
    ...(optional(r.displayName) !== undefined ? { displayName: r.displayName } : {}),
  });
  if (!parsed.success) {
    plan.reject.push({ row: r.row, reason: [...new Set(parsed.error.issues.map((i) => i.message))].join('; ') });
    return;
  }
  const key = usernameKey(parsed.data.username);
  if (inFile.has(key)) {
    plan.skip.push({ row: r.row, username: parsed.data.username, reason: 'duplicate in file' });
    return;
  }
  inFile.add(key);
  if (ctx.store.users.findByKey(key)) {
    plan.skip.push({ row: r.row, username: parsed.data.username, reason: 'already exists' });
    return;
  }
  plan.create.push({ row: r.row, input: parsed.data });
}

/**
 * Creates the plan's users in transactions of `chunkSize`, each user with its
 * own 'user.create' audit entry (details { import: true }) in the same
 * transaction. Existence is checked again at apply time (someone may have
 * added a user since the plan), and such rows are skipped, not failed.
 * Yields to the event loop between chunks and stops there when `signal` is
 * aborted: what was committed stays, and the result says how much was not attempted.
 */
export async function applyUserImport(ctx: ServiceContext, plan: ImportPlan, actor: Actor, opts: ImportOptions = {}): Promise<ImportResult> {
  const chunkSize = opts.chunkSize ?? 500;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new TesseraError('internal', 'chunkSize must be a positive integer');
  const total = plan.create.length;
  const result: ImportResult = { created: 0, skipped: [], cancelled: false, notAttempted: 0 };
  for (let start = 0; start < total; start += chunkSize) {
    if (opts.signal?.aborted) {
      result.cancelled = true;
      result.notAttempted = total - start;
      break;
    }
    const chunk = plan.create.slice(start, start + chunkSize);
    const now = ctx.clock();
    const { created, skipped } = ctx.store.tx(() => {
      let created = 0;
      const skipped: ImportResult['skipped'] = [];
      for (const { row, input } of chunk) {
        const key = usernameKey(input.username);
        if (ctx.store.users.findByKey(key)) {
          skipped.push({ row, username: input.username, reason: 'already exists' });
          continue;
        }
        ctx.store.users.insert({
          id: randomUUID(),
          username: input.username,
          username_key: key,
          display_name: input.displayName ?? null,
          email: input.email ?? null,
          created_at: now,
        });
        ctx.audit.append({ actor, action: 'user.create', user: input.username, outcome: 'success', details: { import: true } });
        created++;
      }
      return { created, skipped };
    });
    result.created += created;
    result.skipped.push(...skipped);
    opts.onProgress?.({ done: Math.min(start + chunkSize, total), total, created: result.created, skipped: result.skipped.length });
    await yieldToLoop();
  }
  return result;
}
