import fs from 'node:fs';
import { TesseraError } from '../../shared/errors';

/** POSIX modes are checked everywhere but on Windows (where ACLs decide, and modes mean little). */
export const CHECK_MODES = process.platform !== 'win32';

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Makes an existing file or folder ours alone (`mode`: 0600 for a file, 0700
 * for a folder) when group or others have any access to it. Returns the mode
 * it had when it was changed, null when it was already private or does not
 * exist. Refuses, with what to do, one that belongs to another user (it is not
 * ours to change, and we could not change it anyway) or that cannot be changed.
 */
export function makePrivate(target: string, mode: 0o600 | 0o700, what: string): number | null {
  if (!CHECK_MODES) return null;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if ((stat.mode & 0o077) === 0) return null;
  const fix = `run: chmod ${octal(mode).slice(1)} ${JSON.stringify(target)} as its owner`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new TesseraError(
      'forbidden',
      `${what} ${target} can be read by other users (mode ${octal(stat.mode)}) and belongs to another user (uid ${stat.uid}), so Tessera will not change it; ${fix}`,
    );
  }
  try {
    fs.chmodSync(target, mode);
  } catch (err) {
    throw new TesseraError(
      'forbidden',
      `${what} ${target} can be read by other users (mode ${octal(stat.mode)}) and could not be changed (${(err as NodeJS.ErrnoException).code ?? String(err)}); ${fix}`,
    );
  }
  return stat.mode & 0o777;
}

/**
 * Creates `file` empty with mode 0600 unless it exists (then it is left as it
 * is) or its folder does not (then whoever opens it next reports that).
 */
export function createPrivateFile(file: string): void {
  if (!CHECK_MODES) return;
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOENT') throw err;
  }
}
