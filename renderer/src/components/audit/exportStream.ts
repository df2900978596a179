import { EXPORT_TOTAL_HEADER } from '../../../../shared/consoleHeaders';
import { consoleFetch, ConsoleRequestError } from '../../api/consoleFetch';
import type { AuditView } from './auditUrl';
import { filtersOf } from './auditUrl';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportProgress {
  /** Entries received so far. */
  rows: number;
  /** Entries the export holds (the server says before the first byte), or null if it did not. */
  total: number | null;
  bytes: number;
}

export interface ExportResult {
  blob: Blob;
  fileName: string;
  rows: number;
  bytes: number;
}

/** The URL of the export of what the list shows: same filters, chosen format. */
export function exportUrl(view: AuditView, format: ExportFormat): string {
  const params = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(filtersOf(view))) if (v !== undefined) params.set(k, v);
  return `/console/audit/export?${params.toString()}`;
}

/**
 * Counts the records in a stream of CSV or JSON-lines bytes as they arrive:
 * line feeds outside quoted CSV cells (a cell may hold a line break), less
 * the header line — and, for the JSON-lines bundle, its closing checkpoint.
 * Works on bytes: in UTF-8 no multi-byte character contains " or \n.
 */
export class RecordCounter {
  private lines = 0;
  private inQuotes = false;

  constructor(private readonly format: ExportFormat) {}

  push(chunk: Uint8Array): void {
    if (this.format === 'jsonl') {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) this.lines++;
      return;
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x22) this.inQuotes = !this.inQuotes;
      else if (b === 0x0a && !this.inQuotes) this.lines++;
    }
  }

  /** Entries so far; `done` once the stream has ended (the bundle's last line is its checkpoint, not an entry). */
  records(done = false): number {
    const overhead = this.format === 'jsonl' && done ? 2 : 1;
    return Math.max(0, this.lines - overhead);
  }
}

function fileNameFrom(disposition: string | null, format: ExportFormat): string {
  const m = /filename="([^"]+)"/.exec(disposition ?? '');
  return m?.[1] ?? `tessera-audit.${format}`;
}

const exportFailed = (status: number) => `The export failed (HTTP ${status})`;

/**
 * Fetches the export (consoleFetch: same origin, the session cookie, the
 * console's CSRF header) and reads it as it streams, reporting progress (at
 * most every 100 ms), until it ends or `signal` aborts.
 */
export async function runExport(url: string, format: ExportFormat, signal: AbortSignal, onProgress: (p: ExportProgress) => void): Promise<ExportResult> {
  const res = await consoleFetch(url, { signal, failed: exportFailed });
  if (!res.body) throw new ConsoleRequestError(exportFailed(res.status), res.status, null);
  const totalHeader = res.headers.get(EXPORT_TOTAL_HEADER);
  const total = totalHeader !== null && /^\d+$/.test(totalHeader) ? Number(totalHeader) : null;
  const counter = new RecordCounter(format);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  let lastReport = 0;
  onProgress({ rows: 0, total, bytes: 0 });
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value as Uint8Array<ArrayBuffer>);
    bytes += value.byteLength;
    counter.push(value);
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress({ rows: Math.min(counter.records(), total ?? Infinity), total, bytes });
    }
  }
  const rows = counter.records(true);
  onProgress({ rows, total, bytes });
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8';
  return { blob: new Blob(chunks, { type }), fileName: fileNameFrom(res.headers.get('content-disposition'), format), rows, bytes };
}
