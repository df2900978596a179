import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import type { RoleSet } from '../../../shared/roles';
import { useCan } from '../lib/session';

/** Shows a page only to roles that may use it (the server refuses the calls anyway). */
export function RequireRole({ set, children }: { set: RoleSet; children: ReactNode }) {
  const allowed = useCan(set);
  if (!allowed) {
    return (
      <Alert color="yellow" title="Not available for your role">
        Ask an administrator if you need access to this page.
      </Alert>
    );
  }
  return <>{children}</>;
}
