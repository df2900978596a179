import { createContext, useContext, type ReactNode } from 'react';
import type { OperatorView } from '../../../shared/schemas/operators';
import { roleAllows, type RoleSet } from '../../../shared/roles';

const OperatorContext = createContext<OperatorView | null>(null);

export function OperatorProvider({ operator, children }: { operator: OperatorView; children: ReactNode }) {
  return <OperatorContext.Provider value={operator}>{children}</OperatorContext.Provider>;
}

export function useOperator(): OperatorView {
  const op = useContext(OperatorContext);
  if (!op) throw new Error('useOperator outside a signed-in console');
  return op;
}

/** Whether the signed-in operator's role allows a set of actions: used to hide, never to protect. */
export function useCan(set: RoleSet): boolean {
  const op = useContext(OperatorContext);
  return !!op && roleAllows(op.role, set);
}
