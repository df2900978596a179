import { TesseraError } from '../../../shared/errors';
import { AVAILABLE_METHODS, isMethodAvailable, METHOD_LABELS, type AvailableMethod, type FactorType, type Method } from '../../../shared/schemas/methods';
import type { FactorRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { hotp } from './hotp';
import type { AnyMethodModule, SetCodeCheck } from './method';
import { recovery } from './recovery';
import { totp } from './totp';
import { webauthn } from './webauthn';
import { email } from './email';
import { sms } from './sms';

/**
 * Every method Tessera implements, one module each. A method listed in
 * shared/ (METHODS) without a module here is not available yet: it cannot
 * be turned on. Typed so that AVAILABLE_METHODS and this table cannot
 * disagree.
 */
export const METHOD_MODULES = { totp, hotp, recovery, webauthn, email, sms } as const satisfies Record<AvailableMethod, AnyMethodModule>;

/** The modules in the order verify tries them (and views list them). */
export const ALL_METHOD_MODULES: readonly AnyMethodModule[] = AVAILABLE_METHODS.map((m) => METHOD_MODULES[m]);

/** The module of a stored factor's type; undefined for a type no module stores (an email factor before email codes exist). */
export function moduleForFactor(type: FactorType): AnyMethodModule | undefined {
  return ALL_METHOD_MODULES.find((m) => m.factorType === type);
}

/**
 * Whether `factor` is a pending factor its first sign-in code activates (a printed sheet's TOTP, a provisioned HOTP
 * token): not expired, its method on. Verify tries these after the active factors; a challenge asks for their code.
 */
export function activatesAtSignIn(ctx: ServiceContext, factor: FactorRow, now: number): boolean {
  if (factor.status !== 'pending' || (factor.expires_at !== null && factor.expires_at <= now)) return false;
  const m = moduleForFactor(factor.type);
  return m?.verify?.kind === 'factor' && m.verify.firstCodeActivates && isOn(ctx, m);
}

/** Whether the method's switch is on. */
export function isOn(ctx: ServiceContext, m: AnyMethodModule): boolean {
  return ctx.settings.isEnabled(m.settings.toggle);
}

/** The set of codes (recovery codes) that typed codes of that format go to. */
export function setCodeMethod(): AnyMethodModule & { verify: SetCodeCheck } {
  const m = ALL_METHOD_MODULES.find((x): x is AnyMethodModule & { verify: SetCodeCheck } => x.verify?.kind === 'set');
  if (!m) throw new TesseraError('internal', 'No method checks recovery codes');
  return m;
}

export function requireMethodEnabled(ctx: ServiceContext, method: Method): void {
  if (!ctx.settings.isEnabled(method)) {
    throw new TesseraError('method_disabled', `${METHOD_LABELS[method]} is turned off in this Tessera's settings`);
  }
}

/**
 * Refuses turning on a method that is not built yet (email codes): its
 * switch would promise codes that are never sent. Turning one off, or
 * leaving a stored value as it is, stays allowed, so stored settings keep
 * working.
 */
export function requireMethodsAvailable(changed: Partial<Record<Method, boolean>>, current: Record<Method, boolean>): void {
  for (const [method, on] of Object.entries(changed) as [Method, boolean | undefined][]) {
    if (on === true && !current[method] && !isMethodAvailable(method)) {
      throw new TesseraError(
        'method_unavailable',
        `${METHOD_LABELS[method]} is not available in this release yet, so it cannot be turned on; no codes are sent`,
      );
    }
  }
}
