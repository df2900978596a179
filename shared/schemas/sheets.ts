import { z } from 'zod';

/** Paper sizes a sheet is laid out for. */
export const Paper = z.enum(['a4', 'letter']);
export type Paper = z.infer<typeof Paper>;

export const PAPER_LABELS: Record<Paper, string> = { a4: 'A4', letter: 'US Letter' };

/** Skipped users a plan lists; beyond this only `skippedTotal` counts them. */
export const MAX_SKIPPED_LISTED = 10_000;
/** Sheets one batch may hold; a bigger selection is planned up to this and the rest reported as not included. */
export const MAX_SHEETS_PER_BATCH = 5000;
/** A CSV of users for a batch: at most this many bytes (UTF-8). */
export const MAX_SHEET_CSV_BYTES = 2 * 1024 * 1024;

/**
 * Who gets a sheet: the users named in a CSV (header "username"), a user
 * search, everyone without an active factor, or the members of a directory
 * group without an active factor ("everyone in VPN-Users without a factor";
 * the group by name, case-insensitive, as the last directory sync read it).
 */
export const SheetSelection = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('csv'),
      csv: z
        .string()
        .min(1, 'The CSV is empty')
        .refine(
          (s) => s.length <= MAX_SHEET_CSV_BYTES && new TextEncoder().encode(s).length <= MAX_SHEET_CSV_BYTES,
          `The CSV must be at most ${MAX_SHEET_CSV_BYTES / 1024 / 1024} MB`,
        ),
    })
    .strict(),
  z
    .object({
      kind: z.literal('search'),
      query: z
        .string()
        .max(128)
        .transform((s) => s.normalize('NFKC').trim())
        .pipe(
          z
            .string()
            .min(1, 'Type a search first')
            .refine((s) => !s.includes('\u0000'), 'The search must not contain a NUL character'),
        ),
    })
    .strict(),
  z.object({ kind: z.literal('withoutFactor') }).strict(),
  z
    .object({
      kind: z.literal('group'),
      group: z.string().trim().min(1, 'Choose a directory group first').max(256, 'A group name is at most 256 characters'),
    })
    .strict(),
]);
export type SheetSelection = z.infer<typeof SheetSelection>;

export const SheetBatchInput = z
  .object({
    selection: SheetSelection,
    paper: Paper.optional().default('a4'),
    /** Only say who would get a sheet and who is skipped; change nothing. */
    dryRun: z.boolean().optional().default(false),
    /**
     * Also reprint for users whose sheet (or other pending authenticator-app
     * enrollment) has not been scanned yet: their pending factor is replaced
     * and the sheet they hold stops working. Off by default, so running a
     * rollout again does not void sheets already handed out.
     */
    reissuePending: z.boolean().optional().default(false),
  })
  .strict();
export type SheetBatchInput = z.infer<typeof SheetBatchInput>;

export const SingleSheetInput = z.object({ paper: Paper.optional().default('a4') }).strict();
export type SingleSheetInput = z.infer<typeof SingleSheetInput>;

/** Why a user in the selection gets no sheet. Stable strings: the console groups by them. */
export const SHEET_SKIP_REASONS = [
  'no such user',
  'not a valid username',
  'duplicate in file',
  'already has an active authenticator app',
  'has a pending enrollment (sheet not scanned yet)',
  'TOTP is turned off',
  'has too many factors',
  'user is disabled',
] as const;
export type SheetSkipReason = (typeof SHEET_SKIP_REASONS)[number];

export const PlannedSheet = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  /** True when the user's pending authenticator-app enrollment is replaced (re-key). */
  replacesPending: z.boolean(),
});
export type PlannedSheet = z.infer<typeof PlannedSheet>;

export const SkippedSheet = z.object({
  /** The username as given (a CSV cell may not be a valid username). */
  username: z.string().nullable(),
  /** The CSV line, for a CSV selection. */
  row: z.number().int().nullable(),
  reason: z.enum(SHEET_SKIP_REASONS),
});
export type SkippedSheet = z.infer<typeof SkippedSheet>;

export const SheetPlan = z.object({
  sheets: z.array(PlannedSheet),
  /** The first MAX_SKIPPED_LISTED skipped users; `skippedTotal` counts them all. */
  skipped: z.array(SkippedSheet),
  skippedTotal: z.number().int(),
  /** Users the selection holds beyond MAX_SHEETS_PER_BATCH: run the rollout again for them. */
  notIncluded: z.number().int(),
  /** CSV columns that were not used. */
  ignoredColumns: z.array(z.string()),
});
export type SheetPlan = z.infer<typeof SheetPlan>;

/** A finished (or cancelled) batch, as the job reports it. */
export const SheetBatchResult = z.object({
  /** Recorded as `batch` in each sheet's audit entry. */
  batchId: z.string(),
  issued: z.number().int(),
  /** Users skipped while generating (deleted or changed since the plan). */
  skippedLate: z.array(SkippedSheet),
  pages: z.number().int(),
  bytes: z.number().int(),
  cancelled: z.boolean(),
  paper: Paper,
  /** Users whose sheets were issued: given when the batch was cancelled (their sheets were not delivered; reprint them). */
  issuedUsernames: z.array(z.string()).optional(),
});
export type SheetBatchResult = z.infer<typeof SheetBatchResult>;

/** The answer to a started batch: poll jobs.get with `jobId`, then download /console/jobs/{jobId}/sheets.pdf. */
export const SheetBatchStarted = z.object({
  jobId: z.string(),
  batchId: z.string(),
  /** Sheets planned. */
  total: z.number().int(),
  skippedTotal: z.number().int(),
  notIncluded: z.number().int(),
});
export type SheetBatchStarted = z.infer<typeof SheetBatchStarted>;
