import type { Server } from 'node:http';

/**
 * How long the HTTP server waits for a client, and how many it serves at once.
 * Without these (Fastify's defaults are 0), a request whose headers or body
 * never finish holds its socket forever. Each default leaves room for the
 * longest legitimate work: the 50 MB CSV upload, the streamed audit export
 * and the sheet downloads.
 */
export interface HttpLimits {
  /** From the first byte of a request to the end of its headers (slow-header attacks). Default 15 s. */
  headersTimeoutMs: number;
  /**
   * From the first byte of a request to the end of its body. Default 5 min:
   * a 50 MB import at 170 KB/s. Responses are not bounded by it (an export streams
   * as long as it needs).
   */
  requestTimeoutMs: number;
  /**
   * A socket with a request or response in flight and no byte moving either way
   * is closed after this. Default 2 min: longer than any pause of ours
   * (an import preview planning a large file before it answers).
   */
  idleTimeoutMs: number;
  /** An idle keep-alive connection between two requests is closed after this. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** Open connections at once; the server closes new ones beyond this at once. Default 512. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 5 * 60_000,
  idleTimeoutMs: 2 * 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
});

/** The defaults with `overrides` applied; each value must be a positive whole number, headers ≤ request. */
export function resolveHttpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof HttpLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_HTTP_LIMITS)) throw new Error(`Unknown HTTP limit "${key}"`);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`The HTTP limit ${key} must be a positive whole number, not ${String(value)}`);
    limits[key] = value;
  }
  // Node refuses a header timeout above the request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error('headersTimeoutMs must not be above requestTimeoutMs');
  return limits;
}

/**
 * The node:http server options that carry the limits: Node checks the header
 * and request timeouts on a timer (30 s by default, which would let a 15 s
 * header timeout run to 45 s), so the timer runs at a quarter of the header
 * timeout.
 */
export function nodeServerOptions(limits: HttpLimits): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  requireHostHeader: false;
} {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
    // A missing Host is answered by our own check (400 in the API's error shape), not by Node's bare 400.
    requireHostHeader: false,
  };
}

/** What Fastify sets on the server itself after creating it (it would otherwise reset these to 0 and 72 s). */
export function fastifyServerOptions(limits: HttpLimits): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number } {
  return { connectionTimeout: limits.idleTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs, requestTimeout: limits.requestTimeoutMs };
}

/** The connection cap, on the listening server (Node closes a connection over it as it is accepted). */
export function applyConnectionCap(server: Server, limits: HttpLimits, onDrop: () => void): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', onDrop);
}
