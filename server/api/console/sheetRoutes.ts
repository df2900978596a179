import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { SHEET_EXPIRES_AT_HEADER, SHEET_FACTOR_ID_HEADER } from '../../../shared/consoleHeaders';
import { TesseraError } from '../../../shared/errors';
import { Username } from '../../../shared/schemas/text';
import {
  MAX_SHEET_CSV_BYTES,
  SheetBatchInput,
  SingleSheetInput,
  type SheetBatchResult,
  type SheetBatchStarted,
  type SheetPlan,
} from '../../../shared/schemas/sheets';
import type { Services } from '../../services/index';
import { KeptFiles, reserveTempFile, sweepStaleTempFolders } from '../../services/outputFiles';
import { issueSheetFactor, planSheets, singleSheetDocument, writeSheetBatchFile } from '../../services/sheets/enrollmentSheets';
import { consoleRoute } from './consoleRoute';
import type { JobRegistry } from './jobs';

/** A finished batch's PDF stays on the server this long for its download, then it is deleted. */
export const SHEET_FILE_KEEP_MS = 30 * 60_000;
/** The batch request carries the CSV inside JSON: room for MAX_SHEET_CSV_BYTES plus escaping. */
const BATCH_BODY_LIMIT = Math.ceil(MAX_SHEET_CSV_BYTES * 1.5) + 4096;
/** Temp folders of batch PDFs: os.tmpdir()/tessera-sheets-XXXXXX (0700), the file inside 0600. */
export const SHEETS_TMP_PREFIX = 'tessera-sheets-';

const JobParams = z.object({ id: z.string().uuid() }).strict();
const UserParams = z.object({ username: Username }).strict();

/** A file name any browser and file system takes: the username's safe characters. */
function fileSafe(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+|_+$/g, '')
      .slice(0, 60) || 'user'
  );
}

function sendPdf(reply: FastifyReply, body: NodeJS.ReadableStream, disposition: 'inline' | 'attachment', name: string): FastifyReply {
  return (
    reply
      .code(200)
      .header('content-type', 'application/pdf')
      .header('content-disposition', `${disposition}; filename="${name}"`)
      // It holds seeds: never cached, by the browser or anything between.
      .header('cache-control', 'no-store')
      .send(body)
  );
}

/**
 * Removes batch folders a crashed Tessera left behind (they hold seeds). Only
 * folders older than twice the keep time: no running server keeps one that
 * long, so other Tessera processes on the machine lose nothing. Returns how many.
 */
export function sweepStaleSheetFiles(now = Date.now(), tmp = os.tmpdir()): number {
  return sweepStaleTempFolders(SHEETS_TMP_PREFIX, 2 * SHEET_FILE_KEEP_MS, now, tmp);
}

/**
 * Enrollment sheets in the console:
 *
 *   POST /console/users/:username/sheet  {"paper":"a4"|"letter"}                         helpdesk set
 *     Issues the user's sheet — a new pending TOTP factor replacing any pending
 *     one (a reprint re-keys), one 'sheet.issue' audit entry — and streams the
 *     one-page PDF (inline, no-store). A POST because it changes state.
 *
 *   POST /console/sheets/batch  {"selection":…,"paper","dryRun","reissuePending"}        admin set
 *     dryRun: the plan (who gets a sheet, who is skipped and why); nothing changes.
 *     Otherwise 202 {jobId,…}: a job issues and draws the sheets into a 0600 temp
 *     file; progress and cancel through tRPC jobs.get / jobs.cancel. A cancelled
 *     or failed batch deletes its partial file; sheets issued before stay issued
 *     (and audited) — the job's result names them.
 *
 *   GET /console/jobs/:id/sheets.pdf                                                      admin set, the job's owner
 *     The finished batch's PDF, for SHEET_FILE_KEEP_MS after it finished. Asked of
 *     another node than the one that made it: 409 on_other_node naming that node.
 *
 * Mutations need the session, the CSRF header and no cross-site fetch; the
 * download needs the session and no cross-site fetch (a plain link may start
 * it; it changes nothing and only the owner gets the file).
 */
export function registerSheetRoutes(app: FastifyInstance, services: Services, jobs: JobRegistry): void {
  const files = new KeptFiles(SHEET_FILE_KEEP_MS);
  sweepStaleSheetFiles();
  app.addHook('onClose', async () => files.dropAll());

  app.post(
    '/console/users/:username/sheet',
    consoleRoute(services, 'helpdesk', ({ req, reply, actor }) => {
      const { username } = UserParams.parse(req.params);
      const { paper } = SingleSheetInput.parse(req.body ?? {});
      const issue = issueSheetFactor(services, username, actor, { paper });
      const doc = singleSheetDocument(issue, paper);
      reply.header(SHEET_FACTOR_ID_HEADER, issue.factorId).header(SHEET_EXPIRES_AT_HEADER, issue.expiresAt.toISOString());
      return sendPdf(reply, doc, 'inline', `enrollment-sheet-${fileSafe(issue.username)}.pdf`);
    }),
  );

  app.post('/console/sheets/batch', {
    bodyLimit: BATCH_BODY_LIMIT,
    ...consoleRoute(services, 'admin', async ({ req, reply, session, actor }): Promise<SheetPlan | SheetBatchStarted> => {
      const input = SheetBatchInput.parse(req.body);
      const plan = await planSheets(services, input.selection, { reissuePending: input.reissuePending });
      if (input.dryRun) return plan;
      if (plan.sheets.length === 0) {
        throw new TesseraError('conflict', 'Nobody in this selection gets a sheet; the dry run says why each one is skipped');
      }

      const target = reserveTempFile(SHEETS_TMP_PREFIX, 'sheets.pdf');
      const batchId = randomUUID();
      const stamp = new Date(services.clock()).toISOString().slice(0, 10);
      const name = `enrollment-sheets-${stamp}-${plan.sheets.length}.pdf`;
      let jobId = '';

      const job = jobs.start<SheetBatchResult>(
        'sheets.batch',
        session.operator.id,
        plan.sheets.length,
        async (ctx) => {
          let result: SheetBatchResult & { issuedUsernames: string[] };
          try {
            // A cancelled batch, or one that drew no page, leaves no file.
            result = await writeSheetBatchFile(services, plan.sheets, target, actor, {
              paper: input.paper,
              batchId,
              reissuePending: input.reissuePending,
              signal: ctx.signal,
              onProgress: (p) => ctx.progress(p.done, p.total, `${p.issued.toLocaleString('en')} sheet${p.issued === 1 ? '' : 's'} issued`),
            });
          } catch (err) {
            files.drop(jobId);
            if (ctx.signal.aborted) throw err;
            throw new TesseraError(
              'internal',
              'Generating the sheets failed and the partial file was deleted. Sheets issued before the failure stay issued (see the audit log, action sheet.issue); print them again from each user page or run the batch with "reprint pending" on.',
            );
          }
          const { issuedUsernames, ...summary } = result;
          if (result.cancelled || result.pages === 0) {
            files.drop(jobId);
          } else {
            // Deleted after the keep time, or earlier when the registry drops the job or the server closes.
            files.keep(jobId);
          }
          return result.cancelled ? { ...summary, issuedUsernames } : summary;
        },
        () => files.drop(jobId),
      );
      jobId = job.id;
      files.add(jobId, target, name, session.operator.id);

      reply.code(202);
      return { jobId: job.id, batchId, total: plan.sheets.length, skippedTotal: plan.skippedTotal, notIncluded: plan.notIncluded };
    }),
  });

  // A plain link may start the download: it changes nothing and only the owner gets the file.
  app.get(
    '/console/jobs/:id/sheets.pdf',
    consoleRoute(
      services,
      'admin',
      ({ req, reply, session }) => {
        const { id } = JobParams.parse(req.params);
        const status = jobs.get<SheetBatchResult>(id, session.operator.id);
        if (status.kind !== 'sheets.batch') throw new TesseraError('not_found', 'That job made no enrollment sheets');
        if (status.state === 'running') throw new TesseraError('conflict', 'The sheets are still being generated');
        // Another node (several on one PostgreSQL database) made it: the file is in that node's temp folder, not here.
        if (status.state === 'done' && status.elsewhere) throw new TesseraError('on_other_node', status.elsewhere.message);
        const held = files.get(id, session.operator.id);
        if (status.state !== 'done' || !held) {
          throw new TesseraError(
            'not_found',
            status.state === 'done'
              ? `The file was deleted ${SHEET_FILE_KEEP_MS / 60_000} minutes after it was made (it holds every user's key); run the batch again with "reprint pending" on`
              : 'This batch did not finish, so there is no file',
          );
        }
        const size = fs.statSync(held.path).size;
        reply.header('content-length', String(size));
        return sendPdf(reply, fs.createReadStream(held.path), 'attachment', held.name);
      },
      { csrf: 'sameSite' },
    ),
  );
}
