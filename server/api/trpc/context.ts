import type { Services } from '../../services/index';
import type { ConsoleRequest } from '../console/consoleAuth';
import { JobRegistry } from '../console/jobs';

/**
 * What every tRPC procedure sees. Built apart from HTTP (createContextInner)
 * so routers are tested with createCaller without a server.
 */
export interface TrpcContext extends ConsoleRequest {
  services: Services;
  userAgent: string | null;
  /**
   * The origin the console was reached at (`http://localhost:8787`), from the
   * request's scheme and its Host header (already checked against the names
   * this server answers to). The console's WebAuthn relying party follows it.
   */
  origin: string | null;
  /** Sets or clears (null) the session cookie on the response. */
  setSession: (sessionId: string | null) => void;
  /** Long-running console work (imports, batch sheets) with progress and cancel. */
  jobs: JobRegistry;
}

export function createContextInner(services: Services, extra: Partial<Omit<TrpcContext, 'services'>> = {}): TrpcContext {
  return {
    services,
    ip: extra.ip ?? null,
    userAgent: extra.userAgent ?? null,
    session: extra.session ?? null,
    origin: extra.origin ?? null,
    sameOriginRequest: extra.sameOriginRequest ?? true,
    crossSite: extra.crossSite ?? false,
    setSession: extra.setSession ?? (() => undefined),
    jobs: extra.jobs ?? new JobRegistry(),
  };
}
