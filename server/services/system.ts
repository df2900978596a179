import { VERSION } from '../version';
import type { ServiceContext } from './context';

/** What the console shows before anyone signs in. */
export interface SystemInfo {
  version: string;
  issuer: string;
  /** No operator yet: the console offers the first-admin setup. */
  needsSetup: boolean;
}

/** How many console operators exist (any role, any status). */
export function operatorCount(ctx: ServiceContext): number {
  return ctx.store.operators.count();
}

export function systemInfo(ctx: ServiceContext): SystemInfo {
  return { version: VERSION, issuer: ctx.settings.get().issuer, needsSetup: operatorCount(ctx) === 0 };
}

/** Closes the database under the services (a CLI command's end; the server closes it in its own close()). */
export function closeServices(ctx: ServiceContext): void {
  ctx.store.close();
}
