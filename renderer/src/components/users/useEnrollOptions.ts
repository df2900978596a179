import { useQuery } from '@tanstack/react-query';
import type { Method } from '../../../../shared/schemas/methods';
import { useTRPC } from '../../api/trpc';

/**
 * The settings the user page's dialogs follow: which methods are on, and the
 * longest life of a temporary code (settings.userPageOptions, which every
 * operator may read). While it loads or if it fails both are null: every
 * choice is offered and the server's refusal says what is off or too long.
 */
export function useEnrollOptions(): { methods: Record<Method, boolean> | null; temporaryCodeMaxHours: number | null } {
  const trpc = useTRPC();
  const settings = useQuery({ ...trpc.settings.userPageOptions.queryOptions(), retry: false });
  return { methods: settings.data?.methods ?? null, temporaryCodeMaxHours: settings.data?.temporaryCodeMaxHours ?? null };
}
