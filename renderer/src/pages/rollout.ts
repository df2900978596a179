import { MAX_SHEET_CSV_BYTES, type SheetPlan, type SheetSelection, type SkippedSheet } from '../../../shared/schemas/sheets';

/**
 * The rollout page's logic, apart from React: what the selection is, when a
 * dry run still describes it, why users are skipped, and the CSV a cancelled
 * batch's reprint starts from.
 */

export type SelectionKind = SheetSelection['kind'];

/** The selection the form describes, or null while it is incomplete (no file, an empty search, no group chosen). */
export function rolloutSelection(kind: SelectionKind, csv: { text: string } | null, query: string, group: string | null = null): SheetSelection | null {
  if (kind === 'withoutFactor') return { kind };
  if (kind === 'csv') return csv ? { kind, csv: csv.text } : null;
  if (kind === 'group') {
    const g = group?.trim() ?? '';
    return g ? { kind, group: g } : null;
  }
  const q = query.trim();
  return q ? { kind, query: q } : null;
}

/** What a dry run was made for: a plan is shown only while the form still says the same. */
export function planKey(selection: SheetSelection | null, reissuePending: boolean): string {
  return JSON.stringify({ selection, reissuePending });
}

/** Skip reasons with how many users each, most first (ties in the order they first appear). */
export function reasonCounts(skipped: readonly SkippedSheet[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** How many sheets of the plan replace a sheet that was printed but never scanned. */
export function replacingCount(plan: SheetPlan | null): number {
  return plan?.sheets.filter((s) => s.replacesPending).length ?? 0;
}

/** Why a chosen CSV cannot be used (too big), or null. */
export function csvFileProblem(file: { name: string; size: number }): string | null {
  if (file.size <= MAX_SHEET_CSV_BYTES) return null;
  return `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; a rollout CSV may be ${MAX_SHEET_CSV_BYTES / 1024 / 1024} MB at most. Split it, or use "everyone without an active factor".`;
}

/** After a cancel: a one-column CSV of the users whose sheets were issued but not delivered, ready for a reprint. */
export function reprintCsv(usernames: readonly string[]): { name: string; text: string } {
  const quote = (u: string) => (/[",\r\n]/.test(u) ? `"${u.replace(/"/g, '""')}"` : u);
  return { name: `${usernames.length} users from the cancelled batch`, text: `username\n${usernames.map(quote).join('\n')}\n` };
}
