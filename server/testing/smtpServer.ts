import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { selfSignedCertificate } from './selfSignedCert';

/**
 * A real SMTP server on 127.0.0.1 for tests: it receives mail, parses it
 * back, and can misbehave on request (refuse logins, stall, drop the line).
 */
export interface SmtpServerOptions {
  /** implicit: TLS from the first byte; starttls: plain, offers STARTTLS; none (default): plain, no STARTTLS. TLS uses selfSignedCertificate(). */
  tls?: 'implicit' | 'starttls' | 'none';
  /** Require this login (any other is refused with 535); 'refuse': refuse every login; absent: no login needed. */
  auth?: { username: string; password: string } | 'refuse';
  /** The text of the 535 refusal, given what the client sent (to test that echoed secrets are scrubbed). */
  refusalText?: (username: string, password: string) => string;
  /** Refuse a message with 554 and this text, given the parsed message; an empty text takes it. */
  rejectMessage?: (mail: ParsedMail) => string;
  /** Wait this long before the greeting. */
  greetingDelayMs?: number;
  /** Wait this long before answering the end of DATA. */
  dataDelayMs?: number;
  /** Destroy the connection while the message is being sent. */
  dropInData?: boolean;
}

export interface ReceivedSession {
  secure: boolean;
  /** The login used, if any. */
  user: string | null;
  envelope: { from: string | null; to: string[] };
}

export interface TestSmtpServer {
  port: number;
  /** Mail received so far, parsed. */
  messages: ParsedMail[];
  /** One per message received, in the same order as messages. */
  sessions: ReceivedSession[];
  /** Resolves with the next message not yet returned by waitForMessage (or an already received one). */
  waitForMessage(timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const tls = opts.tls ?? 'none';
  const messages: ParsedMail[] = [];
  const sessions: ReceivedSession[] = [];
  const waiters: Array<(m: ParsedMail) => void> = [];
  const timers = new Set<NodeJS.Timeout>();
  let handedOut = 0;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const cert = tls === 'none' ? null : selfSignedCertificate();

  const server = new SMTPServer({
    secure: tls === 'implicit',
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: tls === 'none' ? ['STARTTLS'] : [],
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    closeTimeout: 200,
    logger: false,
    onConnect(_session, callback) {
      if (opts.greetingDelayMs) later(opts.greetingDelayMs, () => callback());
      else callback();
    },
    onAuth(auth, _session, callback) {
      const a = opts.auth;
      if (a !== undefined && a !== 'refuse' && auth.username === a.username && auth.password === a.password) {
        callback(null, { user: auth.username });
        return;
      }
      const text = opts.refusalText ? opts.refusalText(auth.username ?? '', auth.password ?? '') : 'Authentication failed';
      callback(Object.assign(new Error(text), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        chunks.push(c);
        // Mid-DATA: some of the message has arrived, the server goes away.
        if (opts.dropInData) for (const c of server.connections) if (c.session.id === session.id) c._socket.destroy();
      });
      stream.on('end', () => {
        if (opts.dropInData) return;
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          const refusal = opts.rejectMessage?.(mail);
          if (refusal) {
            callback(Object.assign(new Error(refusal), { responseCode: 554 }));
            return;
          }
          const finish = () => {
            messages.push(mail);
            sessions.push({
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : null,
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
            });
            callback(null, `OK: queued as T${messages.length}`);
            const w = waiters.shift();
            if (w) w(messages[handedOut++]!);
          };
          if (opts.dataDelayMs) later(opts.dataDelayMs, finish);
          else finish();
        }, callback);
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client dropping the line is not a test failure
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    messages,
    sessions,
    waitForMessage(timeoutMs = 5000) {
      if (handedOut < messages.length) return Promise.resolve(messages[handedOut++]!);
      return new Promise<ParsedMail>((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`no message within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (m: ParsedMail) => {
          clearTimeout(t);
          resolve(m);
        };
        waiters.push(done);
      });
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
