/**
 * A console sign-in flood for benches: `connections` loops, each sending
 * auth.login with a random username and password (a full password hash on
 * the server unless it refuses first), one request at a time, until stop().
 *
 * From one address the server's per-address allowance answers almost every
 * attempt with a cheap 429; to load the password lane the way many
 * attackers would, each loop sends from its own loopback address
 * (127.0.0.2, 127.0.0.3, …: all of 127/8 is loopback on Linux). Where that
 * address cannot be bound (macOS has only 127.0.0.1) the loop falls back to
 * the default one, and `distinctAddresses` says so.
 *
 *   const flood = startLoginFlood({ url: server.url, connections: 48 });
 *   … measure verify meanwhile …
 *   const counts = await flood.stop(); // { statusCounts: { '401': …, '429': … }, … }
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface LoginFloodOptions {
  /** The server's base URL (http://127.0.0.1:PORT). */
  url: string;
  connections: number;
  /** Send from 127.0.0.2… (one address per loop); default true. */
  distinctAddresses?: boolean;
}

export interface LoginFloodSummary {
  requests: number;
  /** 401: the password was hashed and refused; 429: refused before any hash (address, name, or busy lane). */
  statusCounts: Record<string, number>;
  errors: number;
  /** Whether the loops really sent from distinct addresses. */
  distinctAddresses: boolean;
}

export interface LoginFlood {
  stop(): Promise<LoginFloodSummary>;
}

export function startLoginFlood(opts: LoginFloodOptions): LoginFlood {
  const target = new URL('/trpc/auth.login', opts.url);
  const statusCounts: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let distinct = opts.distinctAddresses ?? true;
  let stopping = false;

  const once = (localAddress: string | undefined): Promise<void> =>
    new Promise((resolve) => {
      const body = JSON.stringify({ username: `flood-${randomBytes(6).toString('hex')}`, password: randomBytes(12).toString('hex') });
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent: false,
          ...(localAddress ? { localAddress } : {}),
          headers: { 'content-type': 'application/json', 'x-tessera-csrf': '1', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            requests += 1;
            statusCounts[String(res.statusCode)] = (statusCounts[String(res.statusCode)] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRNOTAVAIL' && localAddress) distinct = false;
        else errors += 1;
        resolve();
      });
      req.end(body);
    });

  const loop = async (i: number): Promise<void> => {
    while (!stopping) {
      await once(distinct ? `127.0.0.${2 + (i % 250)}` : undefined);
    }
  };
  const loops = Array.from({ length: opts.connections }, (_, i) => loop(i));

  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return { requests, statusCounts, errors, distinctAddresses: distinct };
    },
  };
}
