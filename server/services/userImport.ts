import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import { CreateUserInput } from '../../shared/schemas/users';
import { usernameSkeleton } from '../core/usernames/skeleton';
import { runWorker } from '../runtime/worker';
import type { UsersRepo } from '../store/repos/users';
import type { Actor, ServiceContext } from './context';
import { insertUserRow, usernameProblemAmong } from './users';
import { enrollDeliveredFactor, requireMethodEnabled } from './factors';
import { requireTransport } from './delivery/deliver';
import { MAX_IMPORT_BYTES, parseUserCsv, type ImportRow, type UserCsvBatch, type UserCsvSummary } from './userCsv';

export { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, type ImportRow } from './userCsv';

/** 'looks like an existing user': one with a look-alike name (same skeleton) appeared between preview and import. */
export type SkipReason = 'already exists' | 'duplicate in file' | 'looks like an existing user';

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
  /**
   * Also enroll an email factor for each created user with an address: a
   * confirmation code is sent to it (pending until it comes back). A failed
   * send is counted and the import goes on.
   */
  enrollEmail?: boolean;
}

export interface ImportResult {
  created: number;
  /** Users that appeared between planning and applying, so were left alone. */
  skipped: { row: number; username: string; reason: SkipReason }[];
  cancelled: boolean;
  /** Planned creations not attempted because of a cancel. */
  notAttempted: number;
  /** With enrollEmail: confirmation codes sent, and sends that failed (the first failure's message). */
  emailCodes: { sent: number; failed: number; firstError: string | null };
}

/**
 * Reads a whole user CSV in this thread (the CLI; small files): the rules are
 * parseUserCsv's. The server reads uploads with readUserCsvOffThread.
 */
export function readUserCsv(content: Uint8Array | string): { rows: ImportRow[]; ignoredColumns: string[] } {
  const rows: ImportRow[] = [];
  const { ignoredColumns } = parseUserCsv(content, (batch) => {
    for (const r of batch.rows) rows.push(r);
  });
  return { rows, ignoredColumns };
}

export interface ReadProgress {
  rows: number;
  bytesRead: number;
  bytes: number;
}

/**
 * The same as readUserCsv, for the server: the file is parsed in a worker
 * thread (its CPU time never holds up verifies), and its bytes are moved there,
 * not copied — `bytes` is unusable afterwards. Rows come back in batches, with
 * `onProgress` after each; aborting `signal` stops the worker at once.
 */
export async function readUserCsvOffThread(
  bytes: Uint8Array,
  opts: { signal?: AbortSignal; onProgress?: (p: ReadProgress) => void } = {},
): Promise<{ rows: ImportRow[]; ignoredColumns: string[] }> {
  const owned = uploadForWorker(bytes);
  const size = owned.byteLength;
  const rows: ImportRow[] = [];
  const { ignoredColumns } = await runWorker<UserCsvSummary, UserCsvBatch>('userCsv', owned, {
    transferList: [owned.buffer as ArrayBuffer],
    maxHeapMb: WORKER_HEAP_MB,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onMessage: (batch) => {
      for (const r of batch.rows) rows.push(r);
      opts.onProgress?.({ rows: rows.length, bytesRead: batch.bytesRead, bytes: size });
    },
  });
  return { rows, ignoredColumns };
}

/** Room for a 50 MB file and the parser's state; a file that needs more fails alone. */
const WORKER_HEAP_MB = 256;

/**
 * An uploaded file, checked against the size limit, as bytes that may move to
 * a worker thread: only a buffer that owns its whole ArrayBuffer may move; a
 * slice of Node's shared pool (small bodies) is copied.
 */
export function uploadForWorker(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_IMPORT_BYTES) throw tooLarge(bytes.byteLength);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

function tooLarge(size: number): TesseraError {
  return new TesseraError(
    'too_large',
    `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files`,
  );
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
  return planUserImportAmong(ctx.store.users, rows);
}

/** What planning reads of the users: existing names and their look-alike skeletons. */
export type UsernameIndex = Pick<UsersRepo, 'findByKey' | 'findLookAlike'>;

/**
 * planUserImport over any view of the users (the preview worker's read-only
 * connection); `onProgress` gets the rows planned so far every `every` rows.
 */
export function planUserImportAmong(users: UsernameIndex, rows: readonly ImportRow[], onProgress?: (planned: number) => void, every = 5000): ImportPlan {
  const plan: ImportPlan = { total: rows.length, create: [], skip: [], reject: [] };
  const inFile = new InFile();
  for (let i = 0; i < rows.length; i++) {
    if (onProgress && i > 0 && i % every === 0) onProgress(i);
    planRow(users, rows[i]!, plan, inFile);
  }
  onProgress?.(rows.length);
  return plan;
}

/** How long planUserImportAsync works before it lets the event loop run (ms). */
const PLAN_SLICE_MS = 4;

/**
 * The same plan as planUserImport, for the server: it yields to the event
 * loop after every PLAN_SLICE_MS of work, so a 200,000-row preview never holds
 * up verifies for longer than that. `onProgress` gets the rows planned so
 * far at each yield; an aborted `signal` stops it there (rejects with its reason).
 */
export async function planUserImportAsync(
  ctx: ServiceContext,
  rows: readonly ImportRow[],
  opts: { signal?: AbortSignal; onProgress?: (planned: number) => void } = {},
): Promise<ImportPlan> {
  const plan: ImportPlan = { total: rows.length, create: [], skip: [], reject: [] };
  const inFile = new InFile();
  let sliceStart = performance.now();
  for (let i = 0; i < rows.length; i++) {
    // The clock is read every 64 rows: cheap, and a slice overruns by well under a millisecond.
    if ((i & 63) === 0 && i > 0 && performance.now() - sliceStart >= PLAN_SLICE_MS) {
      opts.onProgress?.(i);
      await yieldToLoop();
      opts.signal?.throwIfAborted();
      sliceStart = performance.now();
    }
    planRow(ctx.store.users, rows[i]!, plan, inFile);
  }
  opts.onProgress?.(rows.length);
  return plan;
}

/** What earlier rows of the file claimed: username keys, and skeletons with the line that took each. */
class InFile {
  readonly keys = new Set<string>();
  readonly skeletons = new Map<string, { row: number; username: string }>();
}

/**
 * Decides one row: create; skip (exists, or earlier in the file); or reject
 * (fails CreateUserInput; looks like an existing user or an earlier row — the
 * same UTS #39 skeleton under a different name; or mixes scripts).
 */
function planRow(users: UsernameIndex, r: ImportRow, plan: ImportPlan, inFile: InFile): void {
  const parsed = CreateUserInput.safeParse({
    username: r.username ?? '',
    ...(optional(r.email) !== undefined ? { email: r.email } : {}),
    ...(optional(r.displayName) !== undefined ? { displayName: r.displayName } : {}),
    ...(optional(r.phone) !== undefined ? { phone: r.phone } : {}),
  });
  if (!parsed.success) {
    plan.reject.push({ row: r.row, reason: [...new Set(parsed.error.issues.map((i) => i.message))].join('; ') });
    return;
  }
  const { username } = parsed.data;
  const key = usernameKey(username);
  if (inFile.keys.has(key)) {
    plan.skip.push({ row: r.row, username, reason: 'duplicate in file' });
    return;
  }
  inFile.keys.add(key);
  if (users.findByKey(key)) {
    plan.skip.push({ row: r.row, username, reason: 'already exists' });
    return;
  }
  const problem = usernameProblemAmong(users, username);
  if (problem) {
    plan.reject.push({ row: r.row, reason: problem.message });
    return;
  }
  const skeleton = usernameSkeleton(username);
  const earlier = inFile.skeletons.get(skeleton);
  if (earlier) {
    plan.reject.push({ row: r.row, reason: `Username "${username}" looks like "${earlier.username}" on line ${earlier.row} of this file` });
    return;
  }
  inFile.skeletons.set(skeleton, { row: r.row, username });
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
  const chunkSize = opts.chunkSize ?? ctx.store.db.writeChunkRows;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new TesseraError('internal', 'chunkSize must be a positive integer');
  const total = plan.create.length;
  const result: ImportResult = { created: 0, skipped: [], cancelled: false, notAttempted: 0, emailCodes: { sent: 0, failed: 0, firstError: null } };
  if (opts.enrollEmail) requireEmailEnrollment(ctx);
  for (let start = 0; start < total; start += chunkSize) {
    if (opts.signal?.aborted) {
      result.cancelled = true;
      result.notAttempted = total - start;
      break;
    }
    const chunk = plan.create.slice(start, start + chunkSize);
    const now = ctx.clock();
    const { created, skipped, withEmail } = ctx.store.tx(() => {
      let created = 0;
      const skipped: ImportResult['skipped'] = [];
      const withEmail: string[] = [];
      for (const { row, input } of chunk) {
        const key = usernameKey(input.username);
        if (ctx.store.users.findByKey(key)) {
          skipped.push({ row, username: input.username, reason: 'already exists' });
          continue;
        }
        if (ctx.store.users.findLookAlike(input.username)) {
          skipped.push({ row, username: input.username, reason: 'looks like an existing user' });
          continue;
        }
        insertUserRow(ctx, input, key, now, actor, { import: true });
        created++;
        if (input.email) withEmail.push(input.username);
      }
      return { created, skipped, withEmail };
    });
    if (opts.enrollEmail) await enrollEmailFactors(ctx, withEmail, actor, result.emailCodes, opts.signal);
    result.created += created;
    result.skipped.push(...skipped);
    opts.onProgress?.({ done: Math.min(start + chunkSize, total), total, created: result.created, skipped: result.skipped.length });
    await yieldToLoop();
  }
  return result;
}

/** Refuses an import asked to enroll email factors while email is off or has no SMTP server: before anything is created. */
export function requireEmailEnrollment(ctx: ServiceContext): void {
  requireMethodEnabled(ctx, 'email');
  requireTransport(ctx, 'email');
}

/** Sends each new user's address its confirmation code, one after another (an SMTP server takes one message at a time per connection). */
async function enrollEmailFactors(
  ctx: ServiceContext,
  usernames: readonly string[],
  actor: Actor,
  tally: ImportResult['emailCodes'],
  signal?: AbortSignal,
): Promise<void> {
  for (const username of usernames) {
    if (signal?.aborted) return;
    try {
      await enrollDeliveredFactor(ctx, username, { type: 'email' }, actor);
      tally.sent++;
    } catch (err) {
      tally.failed++;
      tally.firstError ??= `${username}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
