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
  /** Replaces the anchor atomically (a reader sees the old or the new one, never half); returns the text written. */
  write(anchor: SignedAnchor): string;
}

/**
 * The anchor file: written to a temporary file in the same folder (0600),
 * then renamed over the old one, so a crash leaves the old or the new anchor.
 * `fsync` (durability "full") also flushes the new file before the rename.
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

  write(anchor: SignedAnchor): string {
    const text = encodeAnchor(anchor);
    const tmp = path.join(path.dirname(this.where), `.${path.basename(this.where)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
      if (this.opts.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // An existing temp file keeps its old mode through open(): make sure.
    if (process.platform !== 'win32') fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.where);
    return text;
  }
}
