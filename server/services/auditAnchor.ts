import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeAnchor, parseAnchor, type SignedAnchor } from '../core/audit/anchor';
import { Worker } from 'node:worker_threads';
import { lowPriorityStart, workerLaunch } from '../runtime/worker';
import { errorOfReply, type WorkerRequest, type WorkerRequestReply } from '../runtime/workerTask';

/** What reading the anchor found. */
export type AnchorRead =
  | { state: 'none' }
  /** text: the file as read (lets a writer recognise the anchor it wrote itself without re-checking signatures). */
  | { state: 'ok'; anchor: SignedAnchor; text: string }
  /** The file exists but is not an anchor (edited, truncated, garbage): never silently replaced. */
  | { state: 'unreadable'; message: string };

/**
 * Where the audit anchor lives. Headless: a 0600 file beside the master key
 * (`audit.anchor` in the data folder). The desktop app could keep it in the
 * OS keychain instead (not built: the file is what both use today).
 */
export interface AnchorStore {
  /** For messages: the file name, or "memory". */
  readonly where: string;
  read(): AnchorRead;
  /**
   * Replaces the anchor atomically (a reader sees the old or the new one,
   * never half) and only forward: an anchor at a higher seq is left as it is
   * (another node moved it on first), unless `force` (a restore or reset
   * stepping back on purpose). Returns the text of `anchor`.
   */
  write(anchor: SignedAnchor, opts?: { force?: boolean }): string;
  /**
   * The same two, off the event loop, for the writes that follow commits
   * while Tessera runs. A store without them is used synchronously.
   */
  readInBackground?(): Promise<AnchorRead>;
  writeInBackground?(anchor: SignedAnchor, opts?: { force?: boolean }): Promise<string>;
  /** Blocks until every background read or write begun has reached the file (closing waits so). */
  drain?(): void;
}

/** A lock older than this was left by a crashed writer (a write takes milliseconds). */
const STALE_LOCK_MS = 10_000;
/** How long a writer waits for another's lock before it gives up (the caller says so and retries at the next commit). */
const LOCK_WAIT_MS = 2_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The anchor file: written to a temporary file in the same folder (0600),
 * then renamed over the old one, so a crash leaves the old or the new anchor.
 * `fsync` (durability "full") also flushes the new file before the rename.
 *
 * Several Tessera nodes on one PostgreSQL database share one anchor file
 * (TESSERA_AUDIT_ANCHOR on shared storage). Each write holds a lock file
 * (created exclusively: O_EXCL, which NFS v3+ honours) while it re-reads the
 * anchor and replaces it, so two nodes racing cannot move it back: the one
 * that commits an older head finds the newer anchor and leaves it.
 */
export class FileAnchorStore implements AnchorStore {
  constructor(
    readonly where: string,
    protected readonly opts: { fsync?: boolean } = {},
  ) {}

  read(): AnchorRead {
    let text: string;
    try {
      text = fs.readFileSync(this.where, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return { state: 'none' };
      return { state: 'unreadable', message: `${this.where} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
    }
    const anchor = parseAnchor(text);
    return anchor ? { state: 'ok', anchor, text } : { state: 'unreadable', message: `${this.where} is not a Tessera audit anchor (edited or damaged)` };
  }

  write(anchor: SignedAnchor, opts: { force?: boolean } = {}): string {
    const text = encodeAnchor(anchor);
    const release = this.lock();
    try {
      const current = this.read();
      if (!opts.force && current.state === 'ok' && current.anchor.seq > anchor.seq) return text;
      // Unique per write, not per process: two nodes may share a pid (two hosts, or two in one test process).
      const tmp = path.join(path.dirname(this.where), `.${path.basename(this.where)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, text);
        if (this.opts.fsync) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.where);
      return text;
    } finally {
      release();
    }
  }

  /** Takes `<anchor>.lock` (waiting for another writer, breaking a crashed one's); returns its release. */
  private lock(): () => void {
    const file = `${this.where}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(file, 'wx', 0o600));
        return () => fs.rmSync(file, { force: true });
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
      }
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > STALE_LOCK_MS) fs.rmSync(file, { force: true });
      } catch {
        // gone meanwhile: try again
      }
      if (Date.now() > deadline) throw new Error(`${file} is held by another writer (remove it if no Tessera is running)`);
      sleepSync(5);
    }
  }
}

/** A request to the anchor thread; `done` is set (Atomics) once its file operation is over. */
export type AnchorJob = { where: string; fsync: boolean; done: Int32Array } & ({ op: 'read' } | { op: 'write'; anchor: SignedAnchor; force: boolean });

/** How long closing waits for background anchor I/O before it goes on (its own synchronous write follows). */
const DRAIN_WAIT_MS = 5_000;

/**
 * One thread per process for every anchor file's background I/O. Requests
 * are posted as they come and the thread takes them in order, so a drain
 * never waits on a request this thread would only post later.
 */
class AnchorThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: AnchorRead | string) => void; reject: (e: unknown) => void }>();

  run(job: AnchorJob): Promise<AnchorRead | string> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, input: job } satisfies WorkerRequest<AnchorJob>);
    });
  }

  private start(): Worker {
    const worker = new Worker(lowPriorityStart(workerLaunch('auditAnchor')), { eval: true });
    this.worker = worker;
    worker.on('message', (reply: WorkerRequestReply<AnchorRead | string>) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.type === 'result') w.resolve(reply.value);
      else w.reject(errorOfReply('auditAnchor', reply));
    });
    const lose = (err: unknown) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', lose);
    worker.on('exit', (code) => lose(new Error(`the audit anchor thread stopped (exit code ${code})`)));
    return worker;
  }
}

let anchorThread: AnchorThread | null = null;

/**
 * The anchor file, with the writes that follow commits done in a thread.
 * Each is a handful of file operations (lock, read, temporary file, rename):
 * usually under a millisecond, but they wait on the file system's journal.
 * On the event loop a rename once took 100 ms, and 313 ms of 8 s altogether,
 * while a 200,000-row import preview and a sign-in flood ran
 * (npm run bench -- stall). Closing drains what was asked here and then
 * writes synchronously, so the last head is anchored before the process ends.
 */
export class ThreadedFileAnchorStore extends FileAnchorStore {
  private readonly inFlight = new Set<Int32Array>();

  readInBackground(): Promise<AnchorRead> {
    return this.send({ op: 'read' }) as Promise<AnchorRead>;
  }

  writeInBackground(anchor: SignedAnchor, opts: { force?: boolean } = {}): Promise<string> {
    return this.send({ op: 'write', anchor, force: opts.force ?? false }) as Promise<string>;
  }

  drain(): void {
    const deadline = Date.now() + DRAIN_WAIT_MS;
    for (const done of this.inFlight) {
      const left = deadline - Date.now();
      if (left > 0) Atomics.wait(done, 0, 0, left);
    }
  }

  private async send(op: { op: 'read' } | { op: 'write'; anchor: SignedAnchor; force: boolean }): Promise<AnchorRead | string> {
    const done = new Int32Array(new SharedArrayBuffer(4));
    this.inFlight.add(done);
    anchorThread ??= new AnchorThread();
    try {
      return await anchorThread.run({ ...op, where: this.where, fsync: this.opts.fsync ?? false, done });
    } finally {
      this.inFlight.delete(done);
    }
  }
}
