import type { TRPCError } from '@trpc/server';
import { TesseraError } from '../../../shared/errors';

/**
 * tRPC's responseMeta: a console call refused with a wait (429 throttled,
 * 423 locked) carries Retry-After, as the REST API's refusals do. With
 * several errors in one batch, the longest wait is the one to honour.
 */
export function retryAfterHeaders({ errors }: { errors: TRPCError[] }): { headers?: Record<string, string> } {
  const waits = errors
    .map((e) => (e.cause instanceof TesseraError ? e.cause.retryAfterSeconds : undefined))
    .filter((s): s is number => typeof s === 'number' && Number.isFinite(s) && s > 0);
  return waits.length > 0 ? { headers: { 'retry-after': String(Math.ceil(Math.max(...waits))) } } : {};
}
