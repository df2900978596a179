import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EXPORT_TOTAL_HEADER } from '../../../shared/consoleHeaders';
import { AuditQuery } from '../../../shared/schemas/audit';
import type { Services } from '../../services/index';
import { startAuditExport, type ExportFormat } from '../../services/auditExport';
import { consoleRoute } from './consoleRoute';

/** The export's query string: the audit list's filters (the same schema) plus the format. */
export const AuditExportQuery = AuditQuery.pick({ user: true, action: true, actor: true, outcome: true, from: true, to: true })
  .extend({ format: z.enum(['csv', 'jsonl'], { error: 'format must be csv or jsonl' }) })
  .strict();

/** Entries read per page: the response is written a page at a time, waiting for the client between pages. */
const PAGE_SIZE = 2000;

const TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 *   GET /console/audit/export?format=csv|jsonl&user=&action=&actor=&outcome=&from=&to=
 *
 * Exactly what the console's audit list shows for the same filters, oldest
 * first, as a download: CSV (formula-safe cells) or JSON lines (the audit
 * bundle: header, entries, signed checkpoint). Streamed with backpressure —
 * a page of entries is read only when the client has taken the last — and
 * stopped when the client goes away. Needs the session cookie, the
 * console's CSRF header (a plain link or cross-site page cannot start one)
 * and a role that may read the audit log; the export is itself audited.
 */
export function registerAuditExportRoute(app: FastifyInstance, services: Services): void {
  app.get(
    '/console/audit/export',
    consoleRoute(services, 'audit', ({ req, reply, actor }) => {
      const { format, ...filter } = AuditExportQuery.parse(req.query);

      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort(new Error('the client stopped the export'));
      });
      const started = startAuditExport(services, actor, { format, filter, pageSize: PAGE_SIZE, signal: abort.signal });

      const stamp = new Date(services.clock())
        .toISOString()
        .replace(/[:.]/g, '-')
        .replace(/-\d{3}Z$/, 'Z');
      const filtered = Object.values(filter).some((v) => v !== undefined);
      const name = `tessera-audit-${filtered ? 'filtered-' : ''}${stamp}.${format}`;
      // Strings go in as bytes (objectMode off), so the stream holds about one page before it waits for the socket.
      const body = Readable.from(started.lines, { objectMode: false, highWaterMark: 64 * 1024 });
      body.on('error', () => undefined); // an aborted export ends the response; nothing more to report
      return reply
        .code(200)
        .header('content-type', TYPES[format])
        .header('content-disposition', `attachment; filename="${name}"`)
        .header(EXPORT_TOTAL_HEADER, String(started.total))
        .header('cache-control', 'no-store')
        .send(body);
    }),
  );
}
