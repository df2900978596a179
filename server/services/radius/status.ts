import type { RadiusStatusView } from '../../../shared/schemas/radius';
import type { ServiceContext } from '../context';
import type { RadiusCounters } from './handler';

/**
 * What the console shows of the running RADIUS server: the listener (the
 * process starts it beside the services, so it is registered here under
 * their context rather than threaded through the API layer), its counters,
 * and each client's last request. All in memory since the start.
 */

export interface RadiusListenerInfo {
  host: string;
  port: number;
  startedAt: number;
  counters: RadiusCounters;
  lastRequestAt: ReadonlyMap<string, number>;
}

/** Per service context, the listeners started and not yet closed (one in practice; tests start a second on IPv6). */
const listeners = new WeakMap<ServiceContext, RadiusListenerInfo[]>();

export function registerRadiusListener(ctx: ServiceContext, info: RadiusListenerInfo): () => void {
  const list = listeners.get(ctx) ?? [];
  list.push(info);
  listeners.set(ctx, list);
  return () => {
    const at = list.indexOf(info);
    if (at !== -1) list.splice(at, 1);
  };
}

/** The first listener still open (the one the process started), or "off". */
export function radiusStatus(ctx: ServiceContext): RadiusStatusView {
  const info = listeners.get(ctx)?.[0];
  if (!info) return { listening: false, host: null, port: null, since: null, counters: null, lastRequestAt: {} };
  return {
    listening: true,
    host: info.host,
    port: info.port,
    since: new Date(info.startedAt).toISOString(),
    counters: { ...info.counters },
    lastRequestAt: Object.fromEntries([...info.lastRequestAt].map(([id, at]) => [id, new Date(at).toISOString()])),
  };
}
