import { AuditQuery } from '../../../../shared/schemas/audit';

/** The audit list's filters and sort, as they live in the page's URL (?action=verify&outcome=failure&order=asc). */
export interface AuditView {
  user?: string;
  action?: string;
  actor?: string;
  outcome?: 'success' | 'failure' | 'denied';
  from?: string;
  to?: string;
  order: 'asc' | 'desc';
}

export type AuditFilterKey = 'user' | 'action' | 'actor' | 'outcome' | 'from' | 'to';
export const FILTER_KEYS: AuditFilterKey[] = ['from', 'to', 'actor', 'action', 'user', 'outcome'];

/**
 * Reads the view from the URL, field by field through the server's own
 * AuditQuery schema: a value the server would refuse (a bad time, an
 * unknown outcome) is dropped and reported rather than breaking the list.
 */
export function readView(params: URLSearchParams): { view: AuditView; ignored: string[] } {
  const view: AuditView = { order: params.get('order') === 'asc' ? 'asc' : 'desc' };
  const ignored: string[] = [];
  for (const key of FILTER_KEYS) {
    const raw = params.get(key);
    if (raw === null || raw.trim() === '') continue;
    const parsed = AuditQuery.safeParse({ [key]: key === 'user' || key === 'action' || key === 'actor' ? raw.trim() : raw });
    if (parsed.success) (view as unknown as Record<string, string>)[key] = parsed.data[key] as string;
    else ignored.push(key);
  }
  return { view, ignored };
}

export function writeView(view: AuditView): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const v = view[key];
    if (v !== undefined && v !== '') out.set(key, v);
  }
  if (view.order === 'asc') out.set('order', 'asc');
  return out;
}

/** The filters alone (what the count, the list and the export take). */
export function filtersOf(view: AuditView): Omit<AuditView, 'order'> {
  const { order: _order, ...filters } = view;
  return filters;
}

export function hasFilters(view: AuditView): boolean {
  return FILTER_KEYS.some((k) => view[k] !== undefined);
}

/** ISO time ↔ the value of an <input type="datetime-local">, both in UTC ("2026-01-05T14:30"). */
export function isoToInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
}

export function inputToIso(value: string): string | undefined {
  if (!value) return undefined;
  // "2026-01-05T14:30" or, with seconds, "2026-01-05T14:30:15": either way read as UTC.
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
