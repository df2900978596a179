import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the gateway received it. */
export interface GatewayRequest {
  method: string;
  /** Path and query, e.g. '/2010-04-01/Accounts/AC…/Messages.json'. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The exact bytes of the body. */
  raw: Buffer;
  /** The body as UTF-8. */
  body: string;
}

/** May return anything (`(req, res) => res.end()`); a returned promise that rejects answers 500. */
export type GatewayHandler = (req: GatewayRequest, res: http.ServerResponse) => unknown;

export interface TestGatewayServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** Every request received, in order, recorded before the handler runs. */
  requests: GatewayRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for an SMS gateway: it records
 * each request and lets the handler answer (or not answer: a handler that
 * never ends the response is a gateway that hangs; close() cuts it off).
 */
export async function startGatewayServer(handler: GatewayHandler): Promise<TestGatewayServer> {
  const requests: GatewayRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const recorded: GatewayRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body: raw.toString('utf8') };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a JSON body. */
export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
