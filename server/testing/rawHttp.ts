import net from 'node:net';

/**
 * A raw TCP connection to a test server, for what fetch and node:http cannot
 * send: headers that never end, a body that stalls, two Host headers, bytes
 * that are not HTTP. Collects what the server sends until it closes.
 */
export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far, one character a byte (latin1: parseRawResponse decodes bodies as UTF-8). */
  received(): string;
  /** Resolves with everything received once the server has closed the connection. */
  closed: Promise<string>;
  /** Writes `chunk` every `everyMs` until the connection closes (a client that never finishes). */
  trickle(chunk: string, everyMs: number): void;
  /** Resolves once `text` has been received (or rejects if the connection closes first). */
  waitFor(text: string): Promise<string>;
}

export async function rawConnect(port: number, first?: string): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let isClosed = false;
  const waiters: { text: string; resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const timers: NodeJS.Timeout[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const w of waiters.filter((x) => data.includes(x.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(data);
    }
  });
  socket.on('error', () => undefined); // a reset is one way the server closes; 'close' follows
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => {
      isClosed = true;
      for (const t of timers) clearInterval(t);
      for (const w of waiters.splice(0)) w.reject(new Error(`closed before "${w.text}" arrived; got: ${data}`));
      resolve(data);
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (first !== undefined) socket.write(first);
  return {
    socket,
    received: () => data,
    closed,
    trickle(chunk, everyMs) {
      timers.push(
        setInterval(() => {
          if (!isClosed && socket.writable) socket.write(chunk);
        }, everyMs),
      );
    },
    waitFor(text) {
      if (data.includes(text)) return Promise.resolve(data);
      if (isClosed) return Promise.reject(new Error(`closed before "${text}" arrived; got: ${data}`));
      return new Promise((resolve, reject) => waiters.push({ text, resolve, reject }));
    },
  };
}

/**
 * One raw request on a fresh connection (sent as is), and everything the
 * server sent before it closed: send `Connection: close` unless the server
 * is expected to refuse the request (and close) by itself.
 */
export async function rawExchange(port: number, request: string): Promise<string> {
  return (await rawConnect(port, request)).closed;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

/** Parses the first HTTP/1.1 response in `text` (bytes as latin1, as received; Content-Length or chunked body). */
export function parseRawResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response in: ${JSON.stringify(text)}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let out = '';
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, nl), 16);
      if (!(size > 0)) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  body = Buffer.from(body, 'latin1').toString('utf8');
  let json: unknown = null;
  try {
    json = JSON.parse(body);
  } catch {
    json = null;
  }
  return { status, headers, body, json };
}
