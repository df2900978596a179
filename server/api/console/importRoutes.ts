import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TesseraError } from '../../../shared/errors';
import { StartImportInput, type ImportJobResult, type ImportPreview, type ImportPreviewStarted, type ImportStarted } from '../../../shared/schemas/userImport';
import type { Services } from '../../services/index';
import { applyUserImport, MAX_IMPORT_BYTES, requireEmailEnrollment, type ImportPlan } from '../../services/userImport';
import { previewUserImport } from '../../services/userImportPreview';

export { PREVIEW_ROW_LIMIT } from '../../services/userImportPreview';
import { admittedOperator, consoleRoute } from './consoleRoute';
import type { JobContext, JobRegistry } from './jobs';

/** A previewed plan waits this long for its Start. */
export const PLAN_TTL_MS = 30 * 60_000;
/** Plans held at once (each may hold 200,000 rows): the oldest goes first. */
const MAX_PLANS = 4;
/** Previews being worked on at once, all operators together (each is a worker thread and up to 50 MB). */
const MAX_PREVIEWS_RUNNING = 2;

/**
 * Who is previewing a file now: one preview at a time per operator, a few at
 * once in all, so parallel uploads cannot pile up threads and memory.
 */
class PreviewSlots {
  private readonly running = new Set<string>();

  /** Throws when `operatorId` may not start a preview now. */
  check(operatorId: string): void {
    if (this.running.has(operatorId)) {
      throw new TesseraError('conflict', 'You are already previewing a file; wait for it to finish or cancel it, then choose the file again');
    }
    if (this.running.size >= MAX_PREVIEWS_RUNNING) {
      throw new TesseraError('throttled', 'Tessera is reading other files right now; try again in a moment', { retryAfterSeconds: 5 });
    }
  }

  /** Takes the operator's slot; the returned function gives it back (once). */
  claim(operatorId: string): () => void {
    this.check(operatorId);
    this.running.add(operatorId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running.delete(operatorId);
    };
  }
}

/** RFC 7240: the client asks for 202 and a job to poll instead of waiting for the answer. */
function prefersAsync(req: FastifyRequest): boolean {
  return /(^|[,\s])respond-async($|[,;\s])/i.test(String(req.headers.prefer ?? ''));
}

interface HeldPlan {
  plan: ImportPlan;
  ownerId: string;
  expiresAt: number;
}

/**
 * The console's CSV user import, admin only:
 *   POST /console/users/import/preview   body text/csv (≤ 50 MB) → what would be created, skipped, rejected (with reasons); nothing changes.
 *                                        With `Prefer: respond-async`: 202 {jobId}, a job with progress and cancel whose result is that preview.
 *                                        The file is parsed in a worker thread; one preview at a time per operator (409 for a second).
 *   POST /console/users/import           {"planId"} → starts the previewed plan as a job: poll jobs.get, stop with jobs.cancel
 *                                        (409 on_other_node when another node previewed it: the plan is held there)
 * The CSV parser is registered for these routes only: everywhere else stays JSON-only.
 * A cross-site form cannot send text/csv or the CSRF header, and the cookie is SameSite=Strict.
 */
export function registerImportRoutes(app: FastifyInstance, services: Services, jobs: JobRegistry): void {
  const plans = new Map<string, HeldPlan>();
  const slots = new PreviewSlots();
  /** Each operator's latest async preview job, dropped when they start the next. */
  const lastPreviewJob = new Map<string, string>();
  const sweep = (now: number) => {
    for (const [id, p] of plans) if (p.expiresAt <= now) plans.delete(id);
    while (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
  };

  /** A plan previewed (as a job) on another node is held there: say which, instead of "expired". */
  const heldElsewhere = (planId: string, ownerId: string) => {
    let status;
    try {
      status = jobs.get(planId, ownerId);
    } catch {
      return; // no such job of this operator's: the usual answer
    }
    if (status.kind === 'users.import.preview' && status.elsewhere) throw new TesseraError('on_other_node', status.elsewhere.message);
  };

  void app.register(async (scope) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_req, body, done) => done(null, body));

    // Who may upload (consoleRoute's admission, first), and what, is settled before a byte of the (up to 50 MB) body is read.
    const csvOnly = async (req: FastifyRequest) => {
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (type !== 'text/csv') throw new TesseraError('unsupported_media_type', 'Send the file as text/csv');
    };

    // Refused before the body is read as well as after: a second upload by the same operator is not even received.
    const slotFree = async (req: FastifyRequest) => {
      slots.check(admittedOperator(req).session.operator.id);
    };

    /** Reads and checks the file (a worker thread), holds the plan, and answers the preview. */
    const buildPreview = async (
      body: Buffer,
      ownerId: string,
      ctx: Pick<JobContext, 'signal' | 'progress'>,
      planIdOf: () => string = randomUUID,
    ): Promise<ImportPreview> => {
      const count = (n: number) => n.toLocaleString('en');
      const { plan, ignoredColumns, rows, truncated } = await previewUserImport(services, body, {
        signal: ctx.signal,
        onProgress: (p) =>
          p.stage === 'reading'
            ? ctx.progress(p.bytesRead, p.bytes, `Reading the file: ${count(p.rows)} rows`)
            : ctx.progress(p.done, p.total, `Checking rows: ${count(p.done)} of ${count(p.total)}`),
      });
      const now = services.clock();
      sweep(now);
      const planId = planIdOf();
      const expiresAt = now + PLAN_TTL_MS;
      plans.set(planId, { plan, ownerId, expiresAt });
      return {
        planId,
        total: plan.total,
        counts: { create: plan.create.length, skip: plan.skip.length, reject: plan.reject.length },
        ignoredColumns,
        rows,
        rowsTruncated: truncated,
        expiresAt: new Date(expiresAt).toISOString(),
      };
    };

    const preview = consoleRoute(services, 'admin', async ({ req, reply, session }): Promise<ImportPreview | ImportPreviewStarted> => {
      if (!Buffer.isBuffer(req.body)) throw new TesseraError('unsupported_media_type', 'Send the file as text/csv');
      const ownerId = session.operator.id;
      const body = req.body;
      const release = slots.claim(ownerId);
      if (prefersAsync(req)) {
        // A job the console polls for progress (jobs.get) and can cancel (jobs.cancel); its result is the preview.
        // Only the operator's latest preview job is kept: each holds up to PREVIEW_ROW_LIMIT rows.
        let job;
        try {
          // The plan's id is the job's: a Start sent to another node finds the job's row and names the node holding the plan.
          job = jobs.start<ImportPreview>('users.import.preview', ownerId, body.byteLength, (ctx) =>
            buildPreview(body, ownerId, ctx, () => job!.id).finally(release),
          );
        } catch (err) {
          release();
          throw err;
        }
        const previous = lastPreviewJob.get(ownerId);
        if (previous !== undefined) jobs.discard(previous);
        lastPreviewJob.set(ownerId, job.id);
        reply.code(202);
        return { jobId: job.id };
      }
      // Answered when done; a client that goes away stops the work.
      const controller = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) controller.abort(new TesseraError('conflict', 'The preview was cancelled'));
      };
      reply.raw.once('close', onClose);
      try {
        return await buildPreview(body, ownerId, { signal: controller.signal, progress: () => {} });
      } finally {
        release();
      }
    });
    scope.post('/console/users/import/preview', { bodyLimit: MAX_IMPORT_BYTES, ...preview, onRequest: [...preview.onRequest, csvOnly, slotFree] });

    scope.post(
      '/console/users/import',
      consoleRoute(services, 'admin', async ({ req, reply, session, actor }): Promise<ImportStarted> => {
        const parsed = StartImportInput.safeParse(req.body);
        if (!parsed.success)
          throw new TesseraError('bad_request', 'Send {"planId"} from the preview', { fields: [{ path: 'planId', message: parsed.error.issues[0]!.message }] });
        const now = services.clock();
        const held = plans.get(parsed.data.planId);
        if (!held) heldElsewhere(parsed.data.planId, session.operator.id);
        if (!held || held.ownerId !== session.operator.id || held.expiresAt <= now) {
          throw new TesseraError('not_found', 'This preview has expired or was already imported; choose the file again');
        }
        if (parsed.data.enrollEmail) requireEmailEnrollment(services);
        plans.delete(parsed.data.planId);
        const { plan } = held;
        const job = jobs.start<ImportJobResult>('users.import', session.operator.id, plan.create.length, async (ctx) => {
          const r = await applyUserImport(services, plan, actor, {
            signal: ctx.signal,
            enrollEmail: parsed.data.enrollEmail,
            onProgress: (p) => ctx.progress(p.done, p.total, `${p.created.toLocaleString('en')} created`),
          });
          return {
            created: r.created,
            skipped: plan.skip.length + r.skipped.length,
            rejected: plan.reject.length,
            cancelled: r.cancelled,
            notAttempted: r.notAttempted,
            emailCodes: r.emailCodes,
          };
        });
        reply.code(202);
        return { jobId: job.id, total: plan.create.length };
      }),
    );
  });
}
