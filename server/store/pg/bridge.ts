import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { BRIDGE_WORKER_SOURCE } from './bridgeWorker';
import { PgError, type PgResult, type SyncPgClient, type SyncPgClientOptions } from './syncClient';

type Request = { op: 'connect' | 'close' } | { op: 'simple'; sql: string } | { op: 'query'; sql: string; params: unknown[] };
type Reply = PgResult | { error: { message: string; code?: string; lost: boolean } };

const require = createRequire(import.meta.url);

/**
 * PostgreSQL called synchronously without a native addon: the pure-JS `pg`
 * client runs in a thread of its own and this thread waits for each answer
 * (Atomics.wait). The fallback for machines where the optional libpq addon
 * did not build (libpqClient.ts is about four times faster: no thread hops).
 */
export class PgBridge implements SyncPgClient {
  private worker!: Worker;
  private port!: MessageChannel['port1'];
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private closed = false;
  /** A call timed out: its late answer would be taken for the next one's, so the thread is replaced first. */
  private broken = false;

  constructor(private readonly options: SyncPgClientOptions) {
    this.start();
  }

  private start(): void {
    const { options } = this;
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(BRIDGE_WORKER_SOURCE, {
      eval: true,
      workerData: {
        url: options.url,
        pgPath: require.resolve('pg'),
        shared: this.shared.buffer,
        port: channel.port2,
        sessionSql: options.sessionSql,
        listenChannel: options.listenChannel,
        nodeId: options.nodeId,
        applicationName: options.applicationName,
        connection: {},
      },
      transferList: [channel.port2],
    });
    // The thread must never keep the process alive on its own: close() ends it.
    this.worker.unref();
    this.call({ op: 'connect' });
  }

  /** A parameterised statement ($1, $2, …), prepared once per connection. */
  query(sql: string, params: readonly unknown[]): PgResult {
    return this.call({ op: 'query', sql, params: [...params] });
  }

  /** One or more statements without parameters, in one round trip (BEGIN; LOCK …). Returns the last one's result. */
  simple(sql: string): PgResult {
    return this.call({ op: 'simple', sql });
  }

  /** How many change notices other connections have sent since this one started (read without a round trip). */
  changeCount(): number {
    return Atomics.load(this.shared, 1);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' });
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private call(request: Request): PgResult {
    if (this.closed) throw new PgError('The PostgreSQL connection is closed', undefined, true);
    if (this.broken) {
      this.broken = false;
      void this.worker.terminate();
      this.start();
    }
    Atomics.store(this.shared, 0, 0);
    this.port.postMessage(request);
    const waited = Atomics.wait(this.shared, 0, 0, this.options.callTimeoutMs);
    const received = receiveMessageOnPort(this.port);
    if (!received) {
      this.broken = true;
      throw new PgError(
        waited === 'timed-out' ? `PostgreSQL did not answer within ${this.options.callTimeoutMs / 1000} s` : 'The PostgreSQL thread stopped',
        undefined,
        true,
      );
    }
    const reply = received.message as Reply;
    if ('error' in reply) throw new PgError(reply.error.message, reply.error.code, reply.error.lost);
    return { rows: reply.rows.map(withBuffers), rowCount: reply.rowCount };
  }
}

/** bytea arrives as a Uint8Array (structured clone drops Buffer's class): give it back as the Buffer SQLite's driver returns. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const v = row[key];
    if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
  return row;
}
