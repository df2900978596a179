import type { Services } from '../../services/index';

/** What every tRPC procedure sees. Built apart from HTTP so routers can be tested with createCaller. */
export interface TrpcContext {
  services: Services;
  ip: string | null;
}

export function createContextInner(services: Services, ip: string | null = null): TrpcContext {
  return { services, ip };
}
