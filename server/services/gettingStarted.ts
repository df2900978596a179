import { GETTING_STARTED_STEPS, type GettingStarted, type GettingStartedStep } from '../../shared/schemas/gettingStarted';
import { DEFAULT_SETTINGS } from '../../shared/schemas/settings';
import type { ServiceContext } from './context';

/** How many of the newest entries of one action are looked at (bounded: this runs on every dashboard load). */
const LOOKBACK = 500;

/** Whether one of the newest `action` entries has `marker` in its details. */
function recentEntryWith(ctx: ServiceContext, action: string, marker: string): boolean {
  const rows = ctx.store.audit.page({ action, outcome: 'success' }, { limit: LOOKBACK, afterSeq: null, order: 'desc' });
  return rows.some((r) => r.details !== null && r.details.includes(marker));
}

/**
 * The getting-started checklist of a new install, from the data itself (reads only, nothing audited):
 * the issuer renamed from the default, a method switched on or off (settings.update audits each switch as
 * "methods.<name>"), a first user, users brought in from a directory or a CSV (userImport audits each
 * with details { import: true }), a live API client, and a first code verified by an application.
 */
export function gettingStarted(ctx: ServiceContext): GettingStarted {
  const { store } = ctx;
  const done: Record<GettingStartedStep, () => boolean> = {
    issuer: () => ctx.settings.get().issuer !== DEFAULT_SETTINGS.issuer,
    methods: () => recentEntryWith(ctx, 'settings.update', '"methods.'),
    users: () => store.users.count() > 0,
    bulkUsers: () => store.directory.settings() !== undefined || recentEntryWith(ctx, 'user.create', '"import":true'),
    apiClient: () => store.apiKeys.list().some((k) => k.revoked_at === null),
    firstVerify: () => store.dashboard.since('0000-01-01').some((c) => c.action === 'verify' && c.outcome === 'success' && c.n > 0),
  };
  const steps = GETTING_STARTED_STEPS.map((step) => ({ step, done: done[step]() }));
  return { steps, complete: steps.every((s) => s.done) };
}
