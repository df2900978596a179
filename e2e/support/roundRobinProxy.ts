import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer for the several-nodes spec: a loopback HTTP server that
 * forwards each request to the next node in turn (A, B, A, …): method, path,
 * cookies, every other header and the body go through as sent, the node's
 * status, headers (Set-Cookie) and body come back as answered. No
 * stickiness, so every step of a console journey may land on any node.
 *
 * The Host header becomes the node's own address, as nginx's default
 * `proxy_pass http://ADDR:PORT` sends it: a node answers only to its own
 * host:port (its DNS-rebinding check, api/security.ts allowedHosts) and
 * `serve` has no setting for another name, so the balancer's own Host would
 * get a 421 from every node.
 *
 * `pin(rule)` adds a routing rule, checked before the turn (first match
 * wins): a test makes "this request goes to that node" deterministic where
 * round robin would leave it to chance. Every request is logged with the
 * node that answered it.
 */
export interface Routed {
  method: string;
  url: string;
  /** Index of the node that answered (into `targets`). */
  node: number;
  status: number;
}

export type RouteRule = (method: string, url: string) => number | undefined;

export interface RoundRobinProxy {
  url: string;
  log: Routed[];
  pin(rule: RouteRule): void;
  unpin(): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: string[]): Promise<RoundRobinProxy> {
  const upstream = targets.map((t) => new URL(t));
  const log: Routed[] = [];
  let rules: RouteRule[] = [];
  let turn = 0;
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    let node = rules.map((r) => r(method, url)).find((n) => n !== undefined);
    if (node === undefined) node = turn++ % upstream.length;
    const to = upstream[node]!;
    const out = http.request({ host: to.hostname, port: to.port, method, path: url, headers: { ...req.headers, host: to.host }, agent: false }, (answer) => {
      log.push({ method, url, node, status: answer.statusCode ?? 0 });
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    out.on('error', (err) => {
      log.push({ method, url, node, status: 502 });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: node ${node} did not answer: ${err.message}`);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    pin: (rule) => void rules.push(rule),
    unpin: () => void (rules = []),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
