import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTessera } from '../tessera';
import { Db } from '../store/index';
import { run, serveInProcess, tempDir, type CliRun } from './testkit';

/**
 * Finding 9: the database and its -wal/-shm hold operator hashes, emails and
 * the audit log. They are created 0600 whatever the umask, in a folder that is
 * 0700 — an existing loose folder is tightened, loose files from before too,
 * and a folder of another user is refused with what to do. (POSIX only: on
 * Windows modes are not checked.)
 */

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const dirs: string[] = [];
function looseDir(): string {
  const parent = tempDir('tessera-modes-');
  dirs.push(parent);
  const data = path.join(parent, 'data');
  fs.mkdirSync(data);
  fs.chmodSync(data, 0o755); // as `mkdir` leaves it under the usual umask
  return data;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// The usual umask, whatever this machine's is: SQLite would then create its files 0644.
let savedUmask: number | null = null;
beforeEach(() => {
  savedUmask = process.umask(0o022);
});
afterEach(() => {
  if (savedUmask !== null) process.umask(savedUmask);
});

/** Runs `serve` on `data` until fn has looked at the running server, then stops it. */
async function whileServing(data: string, fn: () => void): Promise<{ code: number; stdout: string }> {
  const server = serveInProcess(data);
  await server.ready;
  let r: CliRun;
  try {
    fn();
  } finally {
    r = await server.stop();
  }
  return { code: r.code, stdout: server.stdout() };
}

describe.skipIf(process.platform === 'win32')('data folder and database file modes', () => {
  it('init into an existing 0755 folder: folder 0700, database and key 0600, and -wal/-shm 0600 once open', async () => {
    const data = looseDir();
    const r = await run(['init', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Made the data folder ${data} private (mode 0700; it was 0755`);
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'tessera.db'))).toBe(0o600);
    expect(mode(path.join(data, 'master.key'))).toBe(0o600);

    // SQLite removes -wal and -shm at the last close: look while a server has them open.
    const s = openTessera({ dataDir: data, env: {}, createIfNew: false });
    try {
      for (const f of ['tessera.db-wal', 'tessera.db-shm']) {
        expect(fs.existsSync(path.join(data, f)), f).toBe(true);
        expect(mode(path.join(data, f)), f).toBe(0o600);
      }
      for (const f of fs.readdirSync(data)) expect(mode(path.join(data, f)) & 0o077, f).toBe(0);
    } finally {
      s.store.close();
    }
  });

  it('serve on an existing loose folder tightens it (and its database) and says so; the files it makes are 0600', async () => {
    const data = looseDir();
    expect((await run(['init', '--data', data])).code).toBe(0);
    fs.chmodSync(data, 0o755);
    fs.chmodSync(path.join(data, 'tessera.db'), 0o644);

    const r = await whileServing(data, () => {
      expect(mode(data)).toBe(0o700);
      for (const f of ['tessera.db', 'tessera.db-wal', 'tessera.db-shm']) expect(mode(path.join(data, f)), f).toBe(0o600);
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Made the data folder .* private \(mode 0700; it was 0755/);
  });

  it('loose -wal and -shm left from before (another connection still has them) are tightened at open', () => {
    const data = looseDir();
    fs.chmodSync(data, 0o700);
    const first = openTessera({ dataDir: data, env: {} });
    try {
      for (const f of ['tessera.db', 'tessera.db-wal', 'tessera.db-shm']) fs.chmodSync(path.join(data, f), 0o644);
      const second = openTessera({ dataDir: data, env: {}, createIfNew: false });
      second.store.close();
      for (const f of ['tessera.db', 'tessera.db-wal', 'tessera.db-shm']) expect(mode(path.join(data, f)), f).toBe(0o600);
    } finally {
      first.store.close();
    }
  });

  it('a database opened directly (restore, backup checks) is created 0600 too', () => {
    const data = looseDir();
    const file = path.join(data, 'other.db');
    const db = new Db(file);
    try {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), f).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it('a backup file is 0600', async () => {
    const data = looseDir();
    expect((await run(['init', '--data', data])).code).toBe(0);
    const out = path.join(path.dirname(data), 'backup.db');
    const r = await run(['backup', '--out', out, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe(0o600);
  });

  it.skipIf(process.getuid?.() !== 0)('a loose folder of another user is refused, saying what to do, and nothing is created', async () => {
    const data = looseDir();
    fs.chownSync(data, 65534, 65534);
    const r = await run(['init', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`belongs to another user (uid 65534)`);
    expect(r.stderr).toContain(`chmod 700 ${JSON.stringify(data)}`);
    expect(fs.readdirSync(data)).toEqual([]);
    expect(mode(data)).toBe(0o755);
  });
});
