import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../shared/errors';
import { Db, Store } from '../store/index';
import type { Actor, Clock, ServiceContext } from './context';
import { createServices } from './index';
import { fileError, fillOutputFile, reserveNewFile, sweepStaleFiles } from './outputFiles';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;
/** A scratch copy (check or restore) older than this was left by a crash: none lives that long. */
const STALE_COPY_MS = 24 * 3_600_000;
const CHECK_COPY = /^\.tessera-restore-check-[0-9a-f]{12}\.db(-wal|-shm|-journal)?$/;
const STAGED_SUFFIX = /^[0-9a-f]{12}(-wal|-shm|-journal)?$/;

export interface BackupResult {
  file: string;
  bytes: number;
  /** The backup's last audit entry: its own 'system.backup' entry. */
  throughSeq: number;
}

/**
 * Online, consistent copy of the live database (SQLite's backup API: readers
 * and writers keep going). The 'system.backup' entry is appended first, so
 * the backup contains the record of itself. Never overwrites: the name is
 * reserved exclusively, mode 0600, before anything is written (outputFiles.ts).
 * The master key is not in the backup — that is the point of wrapping the
 * data keys.
 */
export async function backupDatabase(ctx: ServiceContext, file: string, actor: Actor): Promise<BackupResult> {
  // Before anything is reserved or audited: there is no SQLite file to copy.
  if (ctx.store.db.dialect === 'postgres') throw onPostgresError();
  const target = path.resolve(file);
  const reserved = reserveNewFile(target);
  const throughSeq = ctx.store.tx(() => ctx.audit.append({ actor, action: 'system.backup', outcome: 'success', details: { file: target } }));
  try {
    // SQLite writes the copy under a temp name beside the file; it takes the name once complete.
    await fillOutputFile(reserved, async (temp) => {
      await ctx.store.db.backupTo(temp);
      fs.chmodSync(temp, 0o600);
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.store.tx(() => ctx.audit.append({ actor, action: 'system.backup', outcome: 'failure', reason: message.slice(0, 500), details: { file: target } }));
    throw new TesseraError('internal', `The backup failed: ${message}`);
  }
  return { file: target, bytes: fs.statSync(target).size, throughSeq };
}

/**
 * `tessera backup` / `restore` copy the SQLite file; a PostgreSQL store is
 * backed up and restored with PostgreSQL's own tools (README, "Backups on
 * PostgreSQL"). Said before anything is done.
 */
export function onPostgresError(): TesseraError {
  return new TesseraError(
    'bad_request',
    'On PostgreSQL, back up with pg_dump (pg_dump --format=custom --file=tessera.dump "$TESSERA_DATABASE_URL") and restore with pg_restore (see the README, "Backups on PostgreSQL"); tessera backup and restore copy the SQLite file of one node only',
  );
}

export interface BackupCheck {
  schemaVersion: number;
  entries: number;
  head: string;
}

/**
 * Checks that `file` is a Tessera database this master key opens, that
 * SQLite finds it sound, and that its audit log verifies. Works on a
 * throw-away copy next to it (a backup file is never opened for writing).
 */
export async function checkBackup(file: string, masterKey: Buffer, opts: { workDir?: string; clock?: Clock } = {}): Promise<BackupCheck> {
  requireSqliteFile(file);
  const workDir = opts.workDir ?? path.dirname(path.resolve(file));
  sweepStaleFiles(workDir, (n) => CHECK_COPY.test(n), STALE_COPY_MS);
  const copy = path.join(workDir, `.tessera-restore-check-${randomBytes(6).toString('hex')}.db`);
  try {
    fs.copyFileSync(file, copy, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(copy, 0o600);
    return await checkCopy(copy, file, masterKey, opts.clock ?? Date.now);
  } finally {
    removeDbFiles(copy);
  }
}

async function checkCopy(copy: string, original: string, masterKey: Buffer, clock: Clock): Promise<BackupCheck> {
  let store: Store;
  try {
    store = Store.open(copy);
  } catch (err) {
    throw new TesseraError('bad_request', `${original} is not a Tessera database this version can open: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const problems = store.db.integrityCheck();
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new TesseraError('integrity', `${original} is damaged (SQLite integrity check: ${problems.slice(0, 3).join('; ')})`);
    }
    // A Tessera database gets its data key the first time it is opened; none means this was not one.
    if (store.keys.dataKeys().length === 0) throw new TesseraError('bad_request', `${original} is not a Tessera database (it holds no keys)`);
    // Checked on its own (no anchor: a backup is older than the live log by nature), with the
    // public key derived from ITS sealed signing key under THIS master key — never its stored one.
    const services = createServices(store, masterKey, clock, { anchor: null });
    const verified = await services.audit.verify();
    if (!verified.ok) {
      throw new TesseraError(
        'integrity',
        `The audit log in ${original} does not verify (entry #${verified.firstBadSeq}: ${verified.problem}); not restoring it${verified.message ? `: ${verified.message}` : ''}`,
      );
    }
    return { schemaVersion: store.db.schemaVersion(), entries: verified.entries, head: verified.head };
  } finally {
    store.close();
  }
}

function requireSqliteFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw fileError(err, file);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new TesseraError('bad_request', `${file} is not a file`);
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n !== head.length || !head.equals(SQLITE_MAGIC)) throw new TesseraError('bad_request', `${file} is not a SQLite database (not a Tessera backup)`);
  } finally {
    fs.closeSync(fd);
  }
}

function removeDbFiles(file: string): void {
  for (const suffix of ['', ...SIDE_FILES]) fs.rmSync(file + suffix, { force: true });
}

export interface RestoreOptions {
  /** The live database file, e.g. DATA/tessera.db. */
  dbFile: string;
  backupFile: string;
  masterKey: Buffer;
  actor: Actor;
  clock?: Clock;
}

export interface RestoreResult {
  /** Where the replaced database went (null when there was none). */
  movedAside: string | null;
  /** Audit entries in the restored database before the restore's own entry. */
  entries: number;
  /** Seq of the 'system.restore' entry. */
  restoreSeq: number;
  /**
   * The seq the data folder's audit anchor recorded before the restore (null:
   * none). When it is beyond `entries`, the restore stepped the log back: the
   * anchor now records the restore's own entry, which names the old anchor.
   */
  previousAnchorSeq: number | null;
}

/**
 * Replaces the data folder's database with a backup:
 * 1. the backup is copied into the data folder (0600) and a second copy is
 *    checked (checkBackup) — a bad file or the wrong master key stops here;
 * 2. the live database must not be open anywhere else (a running server):
 *    SQLite allows leaving WAL mode only to a sole connection, so that is
 *    the test; a server started in the instant between this check and the
 *    rename below would keep the old file open — stop servers first;
 * 3. the live tessera.db (and any -wal/-shm) is renamed to
 *    tessera.db.before-restore-<UTC time>, never deleted;
 * 4. the copy is renamed into place and a 'system.restore' entry appended;
 *    the audit anchor (audit.anchor) is moved to that entry. A restore is
 *    the one legitimate way back: an older backup is behind the anchor, and
 *    without this step every later verify would report a rollback. The
 *    entry records the anchor it replaced (seq, hash, time), so the step
 *    back is itself in the chain.
 */
export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
  const clock = opts.clock ?? Date.now;
  const dbFile = path.resolve(opts.dbFile);
  const backupFile = path.resolve(opts.backupFile);
  if (backupFile === dbFile) throw new TesseraError('bad_request', 'That is the live database itself; name a backup file');
  const dir = path.dirname(dbFile);
  requireSqliteFile(backupFile);

  // Staged copies a crashed restore left (tessera.db.restore-XXXXXXXXXXXX): the whole database, sealed secrets and all.
  const stagedPrefix = `${path.basename(dbFile)}.restore-`;
  sweepStaleFiles(dir, (n) => n.startsWith(stagedPrefix) && STAGED_SUFFIX.test(n.slice(stagedPrefix.length)), STALE_COPY_MS);
  const staged = `${dbFile}.restore-${randomBytes(6).toString('hex')}`;
  let placed = false;
  try {
    try {
      fs.copyFileSync(backupFile, staged, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(staged, 0o600);
    } catch (err) {
      throw fileError(err, staged);
    }
    const check = await checkBackup(staged, opts.masterKey, { workDir: dir, clock });

    let movedAside: string | null = null;
    if (fs.existsSync(dbFile)) {
      const live = new Db(dbFile);
      let alone: boolean;
      try {
        alone = live.takeSoleAccess();
      } finally {
        live.close();
      }
      if (!alone) {
        throw new TesseraError(
          'conflict',
          'The database is open in another process (is "tessera serve" or the desktop app running on this data folder?); stop it, then restore',
        );
      }
      movedAside = asideName(dbFile, clock());
      fs.renameSync(dbFile, movedAside);
      for (const suffix of SIDE_FILES) {
        if (fs.existsSync(dbFile + suffix)) fs.renameSync(dbFile + suffix, movedAside + suffix);
      }
    }
    fs.renameSync(staged, dbFile);
    placed = true;

    const store = Store.open(dbFile);
    try {
      const services = createServices(store, opts.masterKey, clock);
      const before = services.audit.anchorStatus();
      const restoreSeq = services.audit.reanchor({
        actor: opts.actor,
        action: 'system.restore',
        outcome: 'success',
        details: { from: backupFile, movedAside, entriesRestored: check.entries, restoredHead: check.head },
      });
      return { movedAside, entries: check.entries, restoreSeq, previousAnchorSeq: before.anchoredSeq };
    } finally {
      store.close();
    }
  } finally {
    if (!placed) removeDbFiles(staged);
  }
}

/** tessera.db.before-restore-20260125T120000Z (with -2, -3… if taken). */
function asideName(dbFile: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let name = `${dbFile}.before-restore-${stamp}`;
  for (let n = 2; fs.existsSync(name); n++) name = `${dbFile}.before-restore-${stamp}-${n}`;
  return name;
}
