import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMasterKey } from '../core/crypto/seal';
import { TesseraError } from '../../shared/errors';
import { makePrivate } from '../store/privateFiles';

export const DB_FILE = 'tessera.db';
export const MASTER_KEY_FILE = 'master.key';
/** The audit log's anti-rollback anchor (services/auditAnchor): beside the master key, outside the database. */
export const AUDIT_ANCHOR_FILE = 'audit.anchor';

/** `$TESSERA_DATA`, else the platform's per-user application-data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TESSERA_DATA) return path.resolve(env.TESSERA_DATA);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Tessera');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Tessera');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'tessera');
  }
}

export interface DataDirState {
  /** The mode it had when other users could reach it and it was tightened to 0700; else null. */
  tightenedFrom: number | null;
}

/**
 * The data folder, ours alone: created 0700, or an existing one that group or
 * others can reach (an `init` into a 0755 folder) tightened to 0700 — or
 * refused, saying what to do, when it belongs to another user.
 */
export function ensureDataDir(dir: string): DataDirState {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { tightenedFrom: makePrivate(dir, 0o700, 'The data folder') };
}

export function dbPath(dir: string): string {
  return path.join(dir, DB_FILE);
}

/** The audit anchor of the database at `dbFile`: in the same folder. */
export function auditAnchorPath(dbFile: string): string {
  return path.join(path.dirname(dbFile), AUDIT_ANCHOR_FILE);
}

/**
 * The master key that wraps the data keys: `TESSERA_MASTER_KEY` if set, else
 * the 0600 key file in the data folder, created on first run. A database with
 * no key next to it is an error, never a reason to make a new key (that would
 * orphan every sealed secret).
 */
export function loadMasterKey(dir: string, opts: { env?: NodeJS.ProcessEnv; createIfNew: boolean }): { key: Buffer; source: 'env' | 'file' | 'created' } {
  const env = opts.env ?? process.env;
  if (env.TESSERA_MASTER_KEY) return { key: parseMasterKey(env.TESSERA_MASTER_KEY), source: 'env' };
  const file = path.join(dir, MASTER_KEY_FILE);
  if (fs.existsSync(file)) {
    const stat = fs.statSync(file);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new TesseraError('forbidden', `${file} is readable by other users; run: chmod 600 ${JSON.stringify(file)}`);
    }
    return { key: parseMasterKey(fs.readFileSync(file, 'utf8').trim()), source: 'file' };
  }
  if (fs.existsSync(`${file}.safe`)) {
    // The desktop app sealed it with the OS keychain, which only Electron's safeStorage can open.
    throw new TesseraError(
      'forbidden',
      `The master key is sealed by the desktop app's OS keychain (${file}.safe), which the command line cannot open: use the desktop app, or set TESSERA_MASTER_KEY`,
    );
  }
  if (!opts.createIfNew || fs.existsSync(dbPath(dir))) {
    throw new TesseraError('not_found', `No master key: set TESSERA_MASTER_KEY or restore ${file} (the database cannot be opened without it)`);
  }
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'created' };
}
