import type { AuditEntry } from '../../../shared/schemas/audit';

/** The audit log as CSV: one row per entry under a header row, for spreadsheets. */
export const CSV_COLUMNS = ['seq', 'at', 'actor_kind', 'actor_id', 'actor', 'action', 'user', 'outcome', 'reason', 'ip', 'details', 'hash'] as const;

export const CSV_HEADER_LINE = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One CSV cell, always quoted. A cell a spreadsheet would read as a formula
 * (starting with = + - @, or a tab or carriage return) gets a leading
 * apostrophe, so opening an export never runs what a user name or reason
 * smuggled in (OWASP "CSV injection").
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvRow(entry: AuditEntry): string {
  const cells: (string | number | null)[] = [
    entry.seq,
    entry.at,
    entry.actor.kind,
    entry.actor.id,
    entry.actor.name,
    entry.action,
    entry.user,
    entry.outcome,
    entry.reason,
    entry.ip,
    entry.details === null ? null : JSON.stringify(entry.details),
    entry.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}
