import type { FactorView } from '../../shared/schemas/factors';
import { METHOD_LABELS, type Method } from '../../shared/schemas/methods';
import type { FactorRow } from '../store/index';
import type { ServiceContext } from './context';
import type { FactorExtras } from './methods/method';
import { moduleForFactor } from './methods/registry';
import { iso } from './wireViews';

/**
 * A factor as the console and REST show it: the fields every factor has,
 * then what its method's module describes (an OTP factor's parameters, a
 * WebAuthn factor's authenticator). An explicit list of fields: nothing
 * secret (a seed) can slip through.
 */
export function toFactorView(ctx: ServiceContext, f: FactorRow, extras?: FactorExtras): FactorView {
  const m = moduleForFactor(f.type);
  const view: FactorView = {
    id: f.id,
    type: f.type,
    methodName: methodDisplayName(ctx, f.type),
    appsMayRemove: appsMayRemove(ctx, f.type),
    status: f.status,
    label: f.label,
    algorithm: null,
    digits: null,
    period: null,
    createdAt: iso(f.created_at)!,
    confirmedAt: iso(f.confirmed_at),
    expiresAt: iso(f.expires_at),
    lastUsedAt: iso(f.last_used_at),
  };
  return Object.assign(view, m?.describe(f, extras));
}

/** A method's name as this Tessera calls it: the admin's (settings.methodNames), else the built-in one. */
export function methodDisplayName(ctx: ServiceContext, method: Method): string {
  return ctx.settings.get().methodNames[method] ?? METHOD_LABELS[method];
}

/** Whether applications (provision scope) may remove factors of this method (settings.appsMayRemove; default yes). */
export function appsMayRemove(ctx: ServiceContext, method: Method): boolean {
  return ctx.settings.get().appsMayRemove[method] ?? true;
}

/** One factor's view, with the rows beside it that its method shows. */
export function factorView(ctx: ServiceContext, f: FactorRow): FactorView {
  return toFactorView(ctx, f, moduleForFactor(f.type)?.extras?.one(ctx, f));
}

/** A user's factors' views, reading each method's extra rows once for the user (not once per factor). */
export function factorViewsOf(ctx: ServiceContext, userId: string, factors: readonly FactorRow[]): FactorView[] {
  const extras = new Map<string, FactorExtras>();
  const types = new Set(factors.map((f) => f.type));
  for (const type of types) {
    for (const [id, e] of moduleForFactor(type)?.extras?.forUser(ctx, userId) ?? []) extras.set(id, e);
  }
  return factors.map((f) => toFactorView(ctx, f, extras.get(f.id)));
}
