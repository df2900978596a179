import { useQuery } from '@tanstack/react-query';
import type { Method } from '../../../../shared/schemas/methods';
import { useTRPC } from '../../api/trpc';
import { useCan } from '../../lib/session';

/**
 * The settings the user page's dialogs follow: which methods are on, and the
 * longest life of a temporary code. settings.get is for admins and auditors;
 * for helpdesk (and while it loads or fails) both are null: every choice is
 * offered and the server's refusal says what is off or too long.
 */
export function useEnrollOptions(): { methods: Record<Method, boolean> | null; temporaryCodeMaxHours: number | null } {
  const trpc = useTRPC();
  const mayRead = useCan('audit');
  const settings = useQuery({ ...trpc.settings.get.queryOptions(), enabled: mayRead, retry: false });
  return { methods: settings.data?.methods ?? null, temporaryCodeMaxHours: settings.data?.temporaryCodeMaxHours ?? null };
}
