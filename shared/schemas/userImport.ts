import { z } from 'zod';

/**
 * The console's CSV user import (server/api/console/importRoutes.ts):
 * POST /console/users/import/preview (text/csv) → ImportPreview;
 * POST /console/users/import {planId} → the job (jobs.get / jobs.cancel), whose result is ImportJobResult.
 */
export const ImportRowOutcome = z.enum(['create', 'skip', 'reject']);
export type ImportRowOutcome = z.infer<typeof ImportRowOutcome>;

export const ImportPreviewRow = z.object({
  /** The file line the record starts on (the header is line 1). */
  row: z.number().int(),
  outcome: ImportRowOutcome,
  username: z.string().nullable(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  /** Why a row is skipped or rejected, for people ("Email is not a valid address"). */
  reason: z.string().nullable(),
});
export type ImportPreviewRow = z.infer<typeof ImportPreviewRow>;

export const ImportPreview = z.object({
  planId: z.string(),
  total: z.number().int(),
  counts: z.object({ create: z.number().int(), skip: z.number().int(), reject: z.number().int() }),
  ignoredColumns: z.array(z.string()),
  /** Every skipped and rejected row and the created ones, up to a limit, in file order. */
  rows: z.array(ImportPreviewRow),
  /** True when `rows` does not list every row (very large files). */
  rowsTruncated: z.boolean(),
  expiresAt: z.string(),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const StartImportInput = z
  .object({
    planId: z.string().uuid('Not a valid import plan'),
    /** Enroll an email factor for each new user with an address (a confirmation code is mailed to each). */
    enrollEmail: z.boolean().optional().default(false),
  })
  .strict();
export type StartImportInput = z.infer<typeof StartImportInput>;

export const ImportJobResult = z.object({
  created: z.number().int(),
  /** Skipped at preview (existing, duplicate in file) plus users that appeared since. */
  skipped: z.number().int(),
  rejected: z.number().int(),
  cancelled: z.boolean(),
  /** Planned creations not attempted because of a cancel. */
  notAttempted: z.number().int(),
  /** With enrollEmail: email factors whose confirmation code was sent, and sends that failed (the first failure's message). */
  emailCodes: z.object({ sent: z.number().int(), failed: z.number().int(), firstError: z.string().nullable() }),
});
export type ImportJobResult = z.infer<typeof ImportJobResult>;

/** What starting an import returns: the job to poll with jobs.get. */
export const ImportStarted = z.object({ jobId: z.string(), total: z.number().int() });
export type ImportStarted = z.infer<typeof ImportStarted>;

/**
 * What a preview asked for with `Prefer: respond-async` returns (202): the job
 * to poll with jobs.get (progress while the file is read and checked); its
 * result is the ImportPreview.
 */
export const ImportPreviewStarted = z.object({ jobId: z.string() });
export type ImportPreviewStarted = z.infer<typeof ImportPreviewStarted>;
