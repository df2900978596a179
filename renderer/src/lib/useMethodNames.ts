import { useQuery } from '@tanstack/react-query';
import { FACTOR_TYPE_LABELS } from '../../../shared/methodTexts';
import type { FactorView } from '../../../shared/schemas/factors';
import { METHOD_LABELS, type Method } from '../../../shared/schemas/methods';
import { useTRPC } from '../api/trpc';
import { useCan } from './session';

/** The admin's name for a factor's method when there is one (the server puts it on the factor), else the list's short built-in name. */
export function factorTypeName(f: Pick<FactorView, 'type' | 'methodName'>): string {
  return f.methodName !== METHOD_LABELS[f.type] ? f.methodName : FACTOR_TYPE_LABELS[f.type];
}

/** A method's name as the console shows it: the admin's, else `builtIn` (by default the method's built-in label). */
export type MethodNamer = (method: Method, builtIn?: string) => string;

/**
 * The admins' names for methods (settings.methodNames, "Backup codes" for
 * recovery codes). settings.get is for admins and auditors; for helpdesk
 * the names the server put on `known` factors stand in (methods the user
 * has no factor of keep their built-in names).
 */
export function useMethodNames(known: readonly Pick<FactorView, 'type' | 'methodName'>[] = []): MethodNamer {
  const trpc = useTRPC();
  const mayRead = useCan('audit');
  const settings = useQuery({ ...trpc.settings.get.queryOptions(), enabled: mayRead, retry: false });
  const names: Partial<Record<Method, string>> = {};
  for (const f of known) if (f.methodName !== METHOD_LABELS[f.type]) names[f.type] = f.methodName;
  Object.assign(names, settings.data?.methodNames);
  return (method, builtIn = METHOD_LABELS[method]) => names[method] ?? builtIn;
}
