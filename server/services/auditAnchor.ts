import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeAnchor, parseAnchor, type SignedAnchor } from '../core/audit/anchor';

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
    private readonly opts: { fsync?: boolean } = {},
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
