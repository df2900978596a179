import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { TesseraError } from '../../shared/errors';

/*
 * The files Tessera writes for people — enrollment sheets (every seed), audit
 * exports (names, addresses), backups (the whole database) — share one
 * lifecycle, for the console and the CLI alike:
 * - a new file never replaces an existing one: its name is reserved first
 *   (created empty, exclusively, 0600), so a taken name is refused before
 *   any work is done or audited;
 * - the content goes to a temp file beside it (0600), flushed, then renamed
 *   over the reservation: nobody sees a half-written file under the name;
 * - an error, a cancel, or a result not worth keeping removes the temp file
 *   and the reservation;
 * - the console's batch files live in folders under the OS temp folder
 *   (0700); folders a crashed process left behind are swept once stale, and
 *   so are temp files beside a target.
 */

/** A reserved file: where the finished content goes. */
export interface OutputFile {
  readonly path: string;
  /** Removes the file (for a temp file, its folder too); safe to call twice. */
  remove(): void;
}

/** Temp files beside a target: `.NAME.tessera-tmp-XXXXXXXXXXXX`. */
const TEMP_MARK = '.tessera-tmp-';
/** A temp file beside a target older than this was left by a crash: no write runs that long. */
const STALE_TEMP_MS = 24 * 3_600_000;

/** A file system error as a TesseraError naming the file (stable code, a sentence a person can act on). */
export function fileError(err: unknown, file: string): TesseraError {
  const code = (err as { code?: string }).code;
  if (code === 'EEXIST') return new TesseraError('conflict', `${file} already exists; choose another file name (nothing is overwritten)`);
  if (code === 'ENOENT') return new TesseraError('not_found', `${file}: no such file or folder`);
  if (code === 'EACCES' || code === 'EPERM') return new TesseraError('forbidden', `${file}: permission denied`);
  if (code === 'EISDIR') return new TesseraError('bad_request', `${file} is a folder, not a file`);
  return new TesseraError('internal', `${file}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Reserves `file` for new content: created empty, exclusively, 0600; an existing file is refused (conflict), never overwritten. */
export function reserveNewFile(file: string): OutputFile {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    throw fileError(err, file);
  }
  return { path: file, remove: () => fs.rmSync(file, { force: true }) };
}

/** A reserved file NAME in a new private folder os.tmpdir()/PREFIX + random (0700); removing it removes the folder. */
export function reserveTempFile(prefix: string, name: string, tmp = os.tmpdir()): OutputFile {
  const dir = fs.mkdtempSync(path.join(tmp, prefix));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const file = path.join(dir, name);
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    remove();
    throw err;
  }
  return { path: file, remove };
}

/**
 * Fills `target` through a temp file beside it: `fill` gets the temp file's
 * path (created 0600, empty); when it resolves and `keep(result)` holds, the
 * temp file is renamed over the reservation. Otherwise — an error, a cancel,
 * nothing worth keeping — the temp file (and SQLite's -journal/-wal/-shm
 * beside it) and the reservation are removed. Returns fill's result.
 */
export async function fillOutputFile<T>(target: OutputFile, fill: (tempPath: string) => Promise<T>, keep: (result: T) => boolean = () => true): Promise<T> {
  const dir = path.dirname(target.path);
  sweepStaleTemps(dir, Date.now());
  const temp = path.join(dir, `.${path.basename(target.path)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  let placed = false;
  try {
    try {
      fs.closeSync(fs.openSync(temp, 'wx', 0o600));
    } catch (err) {
      throw fileError(err, temp);
    }
    const result = await fill(temp);
    if (keep(result)) {
      fs.renameSync(temp, target.path);
      placed = true;
    }
    return result;
  } finally {
    if (!placed) {
      for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(temp + suffix, { force: true });
      target.remove();
    }
  }
}

/**
 * Streams into `target` (see fillOutputFile): `write` gets the stream and
 * does not end it; a kept result is ended, flushed to disk and renamed into
 * place. The writer sees write errors while it runs (a full disk); after a
 * cancel the stream is dropped with writes queued, and a late error means nothing.
 */
export function writeOutputFile<T>(target: OutputFile, write: (out: Writable) => Promise<T>, keep: (result: T) => boolean = () => true): Promise<T> {
  return fillOutputFile(
    target,
    async (temp) => {
      const fd = fs.openSync(temp, 'w');
      // autoClose off: the descriptor stays open after 'finish' for the fsync; destroy() closes it once no write is in flight.
      const out = fs.createWriteStream('', { fd, autoClose: false });
      out.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
      try {
        const result = await write(out);
        if (keep(result)) {
          out.end();
          await once(out, 'finish');
          fs.fsyncSync(fd);
        }
        return result;
      } finally {
        out.destroy();
        await closed;
      }
    },
    keep,
  );
}

/**
 * Removes folders os.tmpdir()/PREFIX* (reserveTempFile's) older than
 * `maxAgeMs`: a crashed Tessera left them, and they may hold seeds. Only
 * real folders (not links); one this process cannot read is left. Returns how many.
 */
export function sweepStaleTempFolders(prefix: string, maxAgeMs: number, now = Date.now(), tmp = os.tmpdir()): number {
  return sweepStale(tmp, (n) => n.startsWith(prefix), 'folder', maxAgeMs, now);
}

/** Removes temp files a crashed write left beside its target (`.NAME.tessera-tmp-…`, a day old). */
function sweepStaleTemps(dir: string, now: number): void {
  sweepStale(dir, (n) => n.startsWith('.') && n.includes(TEMP_MARK), 'file', STALE_TEMP_MS, now);
}

/**
 * Removes the plain files in `dir` whose names `match`, older than
 * `maxAgeMs`: scratch copies a crashed process left (backup checks, restores).
 * Returns how many.
 */
export function sweepStaleFiles(dir: string, match: (name: string) => boolean, maxAgeMs: number, now = Date.now()): number {
  return sweepStale(dir, match, 'file', maxAgeMs, now);
}

/** The one sweep: entries of `dir` of that kind (never a link), matching, last changed over `maxAgeMs` ago. */
function sweepStale(dir: string, match: (name: string) => boolean, kind: 'file' | 'folder', maxAgeMs: number, now: number): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter(match);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const entry = path.join(dir, name);
    try {
      const st = fs.lstatSync(entry);
      const isKind = kind === 'folder' ? st.isDirectory() : st.isFile();
      if (isKind && !st.isSymbolicLink() && now - st.mtimeMs > maxAgeMs) {
        fs.rmSync(entry, { recursive: kind === 'folder', force: true });
        removed++;
      }
    } catch {
      // gone already, or not ours to read: leave it
    }
  }
  return removed;
}

/**
 * Finished files kept for their owner to download for a while (the console's
 * batch sheets: every seed of the batch), then removed; all of them when the
 * server closes. One per id (a job id).
 */
export class KeptFiles {
  private readonly held = new Map<string, { target: OutputFile; name: string; ownerId: string }>();

  constructor(private readonly keepMs: number) {}

  /** Registers a file being written (removed by drop, or by keep's timer once kept). */
  add(id: string, target: OutputFile, name: string, ownerId: string): void {
    this.held.set(id, { target, name, ownerId });
  }

  /** The file is complete: it is removed keepMs from now (or earlier by drop). */
  keep(id: string): void {
    setTimeout(() => this.drop(id), this.keepMs).unref();
  }

  /** The owner's complete file, or null (unknown, someone else's, or already removed). */
  get(id: string, ownerId: string): { path: string; name: string } | null {
    const held = this.held.get(id);
    if (!held || held.ownerId !== ownerId || !fs.existsSync(held.target.path)) return null;
    return { path: held.target.path, name: held.name };
  }

  /** Removes the file and forgets it. */
  drop(id: string): void {
    this.held.get(id)?.target.remove();
    this.held.delete(id);
  }

  dropAll(): void {
    for (const id of [...this.held.keys()]) this.drop(id);
  }
}
