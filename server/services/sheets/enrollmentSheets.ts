import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TesseraError } from '../../../shared/errors';
import { usernameKey, Username } from '../../../shared/schemas/text';
import {
  MAX_SHEETS_PER_BATCH,
  MAX_SKIPPED_LISTED,
  type Paper,
  type PlannedSheet,
  type SheetBatchResult,
  type SheetPlan,
  type SheetSelection,
  type SheetSkipReason,
  type SkippedSheet,
} from '../../../shared/schemas/sheets';
import { groupSecret } from '../../../shared/format';
import type { FactorRow, UserRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { insertPendingOtpFactor, MAX_FACTORS_PER_USER, requireMethodEnabled } from '../factors';
import { writeOutputFile, type OutputFile } from '../outputFiles';
import { requireUser } from '../users';
import { readUserCsv } from '../userImport';
import { createSheetDocument, drawSheet, type SheetData } from './sheetLayout';
import { methodDisplayName } from '../factorViews';
import { groupMembersWithoutFactor } from '../directory/groups';

/*
 * Enrollment sheets: a printed page per user with the QR code of a new
 * pending TOTP factor. Issuing a sheet is one use case — one transaction, one
 * 'sheet.issue' audit entry — that replaces the user's pending TOTP factors
 * (a reprint re-keys: a seed is shown once, never again) and returns the
 * seed for drawing only. A batch plans who gets a sheet, then issues and
 * draws page by page into a stream, in constant memory.
 */

/** Sheets use what every authenticator app understands (Google Authenticator ignores anything else). */
const SHEET_FACTOR = { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30, label: 'Enrollment sheet' } as const;

/** Users read per page while planning (and considered between turns for the event loop). */
const PLAN_PAGE = 1000;

export interface SheetIssue {
  factorId: string;
  username: string;
  displayName: string | null;
  issuer: string;
  /** The TOTP method's name as this Tessera calls it. */
  methodName: string;
  otpauthUri: string;
  /** Base32, unpadded. For drawing only: it is never stored or shown again. */
  secret: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Pending TOTP factors this sheet replaced (their seeds stop working). */
  replacedFactorIds: string[];
}

export interface IssueOptions {
  paper: Paper;
  /** The batch this sheet belongs to (recorded in the audit entry). */
  batchId?: string;
}

function pendingTotp(factors: readonly FactorRow[]): FactorRow[] {
  return factors.filter((f) => f.type === 'totp' && f.status === 'pending');
}

/**
 * Why this user gets no sheet in a batch, or null when they get one. A user
 * with an active TOTP factor already has an app; one whose pending TOTP
 * enrollment has not expired holds a sheet (or an enrollment screen) not yet
 * used, and is left alone unless `reissuePending`.
 */
function skipReason(ctx: ServiceContext, user: UserRow, now: number, reissuePending: boolean): { reason: SheetSkipReason } | { replacesPending: boolean } {
  if (!ctx.settings.isEnabled('totp')) return { reason: 'TOTP is turned off' };
  // Left the directory or disabled there: no sign-in works for them, so no sheet either.
  if (user.disabled_at !== null) return { reason: 'user is disabled' };
  const factors = ctx.store.factors.listByUser(user.id);
  if (factors.some((f) => f.type === 'totp' && f.status === 'active')) return { reason: 'already has an active authenticator app' };
  const pending = pendingTotp(factors);
  const live = pending.filter((f) => f.expires_at === null || f.expires_at > now);
  if (live.length > 0 && !reissuePending) return { reason: 'has a pending enrollment (sheet not scanned yet)' };
  if (factors.length - pending.length >= MAX_FACTORS_PER_USER) return { reason: 'has too many factors' };
  return { replacesPending: live.length > 0 };
}

/** Inside the caller's transaction: replaces the user's pending TOTP factors with a new one and appends 'sheet.issue'. */
function issueInTx(ctx: ServiceContext, user: UserRow, actor: Actor, now: number, opts: IssueOptions): SheetIssue {
  const replaced = pendingTotp(ctx.store.factors.listByUser(user.id));
  for (const f of replaced) ctx.store.factors.delete(user.id, f.id);
  const created = insertPendingOtpFactor(ctx, user, { ...SHEET_FACTOR }, now);
  const replacedFactorIds = replaced.map((f) => f.id);
  ctx.audit.append({
    actor,
    action: 'sheet.issue',
    user: user.username,
    outcome: 'success',
    details: { factorId: created.id, replacedFactorIds, paper: opts.paper, ...(opts.batchId ? { batch: opts.batchId } : {}) },
  });
  return {
    factorId: created.id,
    username: user.username,
    displayName: user.display_name,
    issuer: ctx.settings.get().issuer,
    methodName: methodDisplayName(ctx, 'totp'),
    otpauthUri: created.otpauthUri,
    secret: created.secret,
    issuedAt: new Date(now),
    expiresAt: new Date(created.expiresAtMs),
    replacedFactorIds,
  };
}

/**
 * Issues one user's sheet, in one transaction with one 'sheet.issue' audit
 * entry (details: factorId, replacedFactorIds, paper, batch): the user's
 * pending TOTP factors are deleted — a reprint re-keys, so the seed of an
 * earlier sheet never works again — and a new pending TOTP factor takes their
 * place, active at its first confirmed code, expiring after the settings'
 * pendingExpiryHours. An active factor is left as it is. Returns the seed for
 * drawing the sheet; nothing keeps it.
 */
export function issueSheetFactor(ctx: ServiceContext, username: string, actor: Actor, opts: IssueOptions): SheetIssue {
  requireMethodEnabled(ctx, 'totp');
  const now = ctx.clock();
  return ctx.store.tx(() => issueInTx(ctx, requireUser(ctx, username), actor, now, opts));
}

/** The plain data the layout draws, from an issued sheet. */
export function sheetDataOf(issue: SheetIssue, paper: Paper): SheetData {
  return {
    issuer: issue.issuer,
    methodName: issue.methodName,
    username: issue.username,
    displayName: issue.displayName,
    otpauthUri: issue.otpauthUri,
    secretGroups: groupSecret(issue.secret),
    issuedAt: issue.issuedAt,
    expiresAt: issue.expiresAt,
    paper,
    digits: SHEET_FACTOR.digits,
    period: SHEET_FACTOR.period,
    reference: issue.factorId.slice(0, 8),
  };
}

/** One sheet as a finished PDF stream (one page): pipe it to a file or an HTTP response. */
export function singleSheetDocument(issue: SheetIssue, paper: Paper): PDFKit.PDFDocument {
  const doc = createSheetDocument({ issuer: issue.issuer, title: `Authenticator app enrollment: ${issue.username}` });
  drawSheet(doc, sheetDataOf(issue, paper));
  doc.end();
  return doc;
}

// ---------------------------------------------------------------------------
// Planning

export interface PlanOptions {
  /** Also plan sheets for users whose pending TOTP enrollment has not expired (their sheet is replaced). */
  reissuePending?: boolean;
}

class PlanBuilder {
  readonly plan: SheetPlan = { sheets: [], skipped: [], notIncluded: 0, ignoredColumns: [], skippedTotal: 0 };

  constructor(
    private readonly ctx: ServiceContext,
    private readonly now: number,
    private readonly reissuePending: boolean,
  ) {}

  skip(entry: SkippedSheet): void {
    this.plan.skippedTotal++;
    if (this.plan.skipped.length < MAX_SKIPPED_LISTED) this.plan.skipped.push(entry);
  }

  consider(user: UserRow, row: number | null): void {
    const r = skipReason(this.ctx, user, this.now, this.reissuePending);
    if ('reason' in r) {
      this.skip({ username: user.username, row, reason: r.reason });
    } else if (this.plan.sheets.length >= MAX_SHEETS_PER_BATCH) {
      this.plan.notIncluded++;
    } else {
      this.plan.sheets.push({ username: user.username, displayName: user.display_name, replacesPending: r.replacesPending });
    }
  }
}

/**
 * Says, changing nothing, who in a selection gets a sheet and who is skipped
 * and why: a CSV (the user-import format: a header row naming a username
 * column; the first occurrence of a name wins), a user search (the console's
 * substring search), every user without an active factor, or a directory
 * group's enabled members without an active factor. A disabled user is
 * skipped whatever the selection. At most
 * MAX_SHEETS_PER_BATCH sheets; eligible users beyond that are counted in
 * `notIncluded` (run the rollout again: by default users holding an unused
 * sheet are skipped, so the next run picks up where this one stopped).
 * Reads only; gives the event loop a turn every PLAN_PAGE users, so planning
 * 100,000 users (about half a second) does not hold up verifies.
 */
export async function planSheets(ctx: ServiceContext, selection: SheetSelection, opts: PlanOptions = {}): Promise<SheetPlan> {
  const b = new PlanBuilder(ctx, ctx.clock(), opts.reissuePending ?? false);
  if (selection.kind === 'csv') {
    const { rows, ignoredColumns } = readUserCsv(selection.csv);
    b.plan.ignoredColumns = ignoredColumns;
    const seen = new Set<string>();
    for (const [i, r] of rows.entries()) {
      if (i > 0 && i % PLAN_PAGE === 0) await yieldToLoop();
      const given = r.username ?? '';
      const parsed = Username.safeParse(given);
      if (!parsed.success) {
        b.skip({ username: given.trim() === '' ? null : given, row: r.row, reason: 'not a valid username' });
        continue;
      }
      const key = usernameKey(parsed.data);
      if (seen.has(key)) {
        b.skip({ username: parsed.data, row: r.row, reason: 'duplicate in file' });
        continue;
      }
      seen.add(key);
      const user = ctx.store.users.findByKey(key);
      if (!user) b.skip({ username: parsed.data, row: r.row, reason: 'no such user' });
      else b.consider(user, r.row);
    }
    return b.plan;
  }
  if (selection.kind === 'group') {
    // The group's enabled members without an active factor (services/directory/groups.ts), each then considered like any other user.
    for (const keys of groupMembersWithoutFactor(ctx, selection.group, PLAN_PAGE)) {
      for (const key of keys) {
        const user = ctx.store.users.findByKey(key);
        if (user) b.consider(user, null);
      }
      await yieldToLoop();
    }
    return b.plan;
  }
  const query = selection.kind === 'search' ? selection.query : '';
  const withoutFactor = selection.kind === 'withoutFactor';
  let after: string | null = null;
  for (;;) {
    // A page can be short and still not the last (its search stopped at its bound): follow `next`.
    const page = ctx.store.users.list({ query, limit: PLAN_PAGE, after, withoutFactor });
    for (const user of page.rows) b.consider(user, null);
    if (page.next === null) break;
    after = page.next;
    await yieldToLoop();
  }
  return b.plan;
}

// ---------------------------------------------------------------------------
// Generating a batch

export interface BatchProgress {
  /** Planned users handled so far (issued or skipped late). */
  done: number;
  total: number;
  issued: number;
}

export interface BatchOptions {
  paper: Paper;
  /** Recorded in every sheet's audit entry. */
  batchId: string;
  /** As planned: whether users with an unused pending enrollment get a new sheet. */
  reissuePending?: boolean;
  /** Checked between pages: sheets already issued stay issued (and audited); the rest are not. */
  signal?: AbortSignal;
  /** After each page. */
  onProgress?: (p: BatchProgress) => void;
}

/**
 * Issues and draws the planned sheets into `out`, one page per user, in the
 * plan's order: per user one transaction (re-checked: a user deleted, given
 * an app or a sheet since the plan is skipped, not failed), then the page,
 * then a turn for the event loop. The PDF streams out as it grows — pages
 * are flushed as the next one starts and the loop waits for `out` to drain —
 * so memory stays flat however many pages there are. Does not end `out`.
 * When `signal` aborts, stops between pages and returns with `cancelled`
 * (the PDF in `out` is then incomplete: delete it).
 */
export async function writeSheetBatch(
  ctx: ServiceContext,
  planned: readonly Pick<PlannedSheet, 'username'>[],
  out: Writable,
  actor: Actor,
  opts: BatchOptions,
): Promise<SheetBatchResult & { issuedUsernames: string[] }> {
  requireMethodEnabled(ctx, 'totp');
  const result: SheetBatchResult & { issuedUsernames: string[] } = {
    batchId: opts.batchId,
    issued: 0,
    skippedLate: [],
    pages: 0,
    bytes: 0,
    cancelled: false,
    paper: opts.paper,
    issuedUsernames: [],
  };
  const doc = createSheetDocument({ issuer: ctx.settings.get().issuer });
  let needDrain = false;
  let outError: unknown = null;
  const onOutError = (err: unknown) => {
    outError = err;
  };
  out.on('error', onOutError);
  doc.on('data', (chunk: Buffer) => {
    result.bytes += chunk.length;
    if (!out.write(chunk)) needDrain = true;
  });
  const ended = once(doc, 'end');
  ended.catch(() => undefined); // a cancelled batch never ends the document
  try {
    for (const [i, p] of planned.entries()) {
      if (opts.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      if (outError) throw outError;
      const now = ctx.clock();
      const issued = ctx.store.tx(() => {
        const user = ctx.store.users.findByKey(usernameKey(p.username));
        if (!user) return { skip: 'no such user' as const };
        const r = skipReason(ctx, user, now, opts.reissuePending ?? false);
        if ('reason' in r) return { skip: r.reason };
        return issueInTx(ctx, user, actor, now, { paper: opts.paper, batchId: opts.batchId });
      });
      if ('skip' in issued) {
        result.skippedLate.push({ username: p.username, row: null, reason: issued.skip });
      } else {
        result.issued++;
        result.issuedUsernames.push(issued.username);
        drawSheet(doc, sheetDataOf(issued, opts.paper));
        result.pages++;
      }
      opts.onProgress?.({ done: i + 1, total: planned.length, issued: result.issued });
      if (needDrain) {
        needDrain = false;
        await once(out, 'drain', opts.signal ? { signal: opts.signal } : {}).catch((err: unknown) => {
          if (!opts.signal?.aborted) throw err;
        });
      }
      await yieldToLoop();
    }
    if (result.cancelled || opts.signal?.aborted) {
      result.cancelled = true;
      return result;
    }
    doc.end();
    await ended;
    if (outError) throw outError;
    return result;
  } finally {
    out.off('error', onOutError);
    doc.removeAllListeners('data');
  }
}

/**
 * writeSheetBatch into a reserved file (outputFiles.ts), for the console's
 * batch job and `tessera sheets` alike: the file takes its name only when the
 * batch finished and drew a page; a cancel, a failure or nobody after all
 * leaves no file.
 */
export function writeSheetBatchFile(ctx: ServiceContext, planned: Parameters<typeof writeSheetBatch>[1], target: OutputFile, actor: Actor, opts: BatchOptions) {
  return writeOutputFile(
    target,
    (out) => writeSheetBatch(ctx, planned, out, actor, opts),
    (r) => !r.cancelled && r.pages > 0,
  );
}
