import dgram from 'node:dgram';
import { TesseraError } from '../../../shared/errors';
import { isIP } from 'node:net';
import type { ServiceContext } from '../context';
import { RadiusHandler, type RadiusCounters, type RadiusHandlerOptions } from './handler';
import { registerRadiusListener } from './status';

/** Where the RADIUS server listens; off unless a port is given. */
export interface RadiusListenOptions extends RadiusHandlerOptions {
  /** Default 127.0.0.1 (loopback): a NAS elsewhere needs the address set on purpose. */
  host?: string;
  /** 1812 is RADIUS authentication's port; 0 picks a free one (tests). */
  port: number;
}

export interface RunningRadius {
  host: string;
  port: number;
  counters: RadiusCounters;
  close(): Promise<void>;
}

/** Starts a UDP RADIUS server over the services; each datagram goes to the handler, its reply (if any) back to the sender. */
export async function startRadiusServer(ctx: ServiceContext, opts: RadiusListenOptions): Promise<RunningRadius> {
  const host = opts.host ?? '127.0.0.1';
  const handler = new RadiusHandler(ctx, opts);
  const socket = dgram.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    void handler.handle(msg, rinfo.address, rinfo.port).then((reply) => {
      if (reply) socket.send(reply, rinfo.port, rinfo.address, () => {});
    });
  });
  // A send error (the NAS went away) must not end the process.
  socket.on('error', () => {
    handler.counters.errors++;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  // The console's status (radius.status): the last listener started for these services.
  const unregister = registerRadiusListener(ctx, { host, port, startedAt: ctx.clock(), counters: handler.counters, lastRequestAt: handler.lastRequestAt });
  return {
    host,
    port,
    counters: handler.counters,
    close: () =>
      new Promise<void>((resolve) => {
        unregister();
        socket.close(() => resolve());
      }),
  };
}

/** TESSERA_RADIUS_PORT / TESSERA_RADIUS_HOST: unset port means no RADIUS server. */
export function radiusOptionsFromEnv(env: NodeJS.ProcessEnv): { host?: string; port: number } | null {
  const port = env.TESSERA_RADIUS_PORT?.trim();
  if (port === undefined || port === '') return null;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new TesseraError('bad_request', `TESSERA_RADIUS_PORT must be a port number, not "${env.TESSERA_RADIUS_PORT}"`);
  const host = env.TESSERA_RADIUS_HOST?.trim();
  return { port: n, ...(host ? { host } : {}) };
}
