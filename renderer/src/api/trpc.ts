import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../../server/api/trpc/router';
import { CSRF_HEADER, CSRF_VALUE } from '../../../shared/consoleHeaders';
import { sessionFetch } from '../lib/sessionActivity';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Every console call is same-origin and carries the CSRF header the server requires on mutations. */
export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        headers: () => ({ [CSRF_HEADER]: CSRF_VALUE }),
        // sessionFetch: each answered call restarts the session's idle clock, and the idle warning counts from it.
        fetch: (url, init) => sessionFetch(url, { ...(init as RequestInit), credentials: 'same-origin' }),
      }),
    ],
  });
}

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) => count < 2 && !(error instanceof TRPCClientError && [401, 403, 404].includes(error.data?.httpStatus)),
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
}

/** The human message of any error from the server (never a stack trace). */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** The message for a whole form: the error's own, unless it names fields (those show on the fields). */
export function formError(error: unknown): string | null {
  if (!error) return null;
  return Object.keys(fieldErrors(error)).length === 0 ? errorMessage(error) : null;
}

/** Field-level messages from the server's zod checks, keyed by field path. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof TRPCClientError) {
    const fields = (error.data as { fields?: { path: string; message: string }[] | null } | undefined)?.fields ?? [];
    for (const f of fields) out[f.path] ??= f.message;
  }
  return out;
}
