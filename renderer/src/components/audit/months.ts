/**
 * Calendar months for the export dialog's presets, in UTC: the audit log's
 * time zone (every time on the audit page is UTC), so "November 2026" is
 * the same entries whoever exports it and wherever, and matches
 * `tessera audit export --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z`.
 */

/** A month as "YYYY-MM". */
export type MonthKey = string;

export interface MonthRange {
  /** First instant of the month, inclusive (ISO, UTC). */
  from: string;
  /** First instant of the next month, exclusive (the audit filters' `to` is exclusive). */
  to: string;
}

export function monthKey(ms: number): MonthKey {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month `offset` months from the one holding `ms` (-1: last month). */
export function shiftMonth(ms: number, offset: number): MonthKey {
  const d = new Date(ms);
  return monthKey(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
}

export function monthRange(key: MonthKey): MonthRange {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) throw new RangeError(`not a month: ${key}`);
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  return { from: new Date(Date.UTC(year, month, 1)).toISOString(), to: new Date(Date.UTC(year, month + 1, 1)).toISOString() };
}

/** "November 2026". */
export function monthLabel(key: MonthKey): string {
  return new Date(monthRange(key).from).toLocaleDateString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The picker's months, newest first: this month and the `count - 1` before it. */
export function recentMonths(nowMs: number, count = 36): { value: MonthKey; label: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const value = shiftMonth(nowMs, -i);
    return { value, label: monthLabel(value) };
  });
}

/**
 * Where the browser's clock is, against UTC, at `ms`: "Europe/Paris, UTC+01:00"
 * (the dialog says it, so nobody takes a UTC month for a local one).
 */
export function localZone(ms: number): { name: string; offset: string } {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const minutes = -new Date(ms).getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return { name, offset: `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}` };
}
