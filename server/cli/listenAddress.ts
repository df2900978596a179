/**
 * Where `tessera serve` listens, decided in one place so that `tessera init`, which prints the setup link
 * before any server runs, points at the same address: `--host` / `--port`, else `TESSERA_HOST` /
 * `TESSERA_PORT`, else 127.0.0.1:8787.
 */

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

export interface ListenAddress {
  host: string;
  /** 0: the system picks a free port when serve starts. */
  port: number;
}

/** The address from the flags and the environment, or a problem to report as a usage error. */
export function listenAddress(flags: { host?: string | undefined; port?: string | undefined }, env: NodeJS.ProcessEnv): ListenAddress | { problem: string } {
  const hostText = flags.host ?? env.TESSERA_HOST;
  const portText = flags.port ?? env.TESSERA_PORT;
  const from = (flag: string, envName: string, given: string | undefined) => (given !== undefined ? flag : envName);
  const host = (hostText ?? DEFAULT_HOST).trim();
  if (host === '') return { problem: `${from('--host', 'TESSERA_HOST', flags.host)} needs an address` };
  const port = (portText ?? String(DEFAULT_PORT)).trim();
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return { problem: `${from('--port', 'TESSERA_PORT', flags.port)} must be a number from 0 to 65535, not "${portText}"` };
  }
  return { host, port: Number(port) };
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The console's address on this machine for a listen address: a wildcard is reached at 127.0.0.1; IPv6 in brackets. */
export function consoleUrl(host: string, port: number): string {
  if (isWildcardHost(host)) return `http://127.0.0.1:${port}`;
  const bare = host.replace(/^\[|\]$/g, '');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}
