import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrlsIn, maskDatabaseUrl, redactDatabaseUrls } from './database';
import { run, tempDir } from './testkit';

/** Issue 17 on the SQLite default: --database and TESSERA_DATABASE_URL change nothing when unset, and `tessera migrate`. */

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDir('tessera-db-');
  dirs.push(d);
  return path.join(d, 'data');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('database URLs in output', () => {
  it('masks the password in the user info and in a password= parameter', () => {
    expect(maskDatabaseUrl('postgres://tessera:s3cret%20pw@db.example:5432/tessera')).toBe('postgres://tessera:***@db.example:5432/tessera');
    expect(maskDatabaseUrl('postgresql://u@host/db?password=hunter22&sslmode=require')).toBe('postgresql://u@host/db?password=***&sslmode=require');
    expect(maskDatabaseUrl('postgres://host/db')).toBe('postgres://host/db');
  });

  it('redacts a whole URL and its password on its own, written and decoded', () => {
    const url = 'postgres://tessera:s3cret%20pw@db:5432/t';
    const text = `failed for ${url}: the password s3cret pw (s3cret%20pw) was refused`;
    const out = redactDatabaseUrls(text, [url]);
    expect(out).toBe('failed for postgres://tessera:***@db:5432/t: the password *** (***) was refused');
  });

  it('finds URLs after --database, in --database=, and in TESSERA_DATABASE_URL', () => {
    expect(databaseUrlsIn(['init', '--database', 'postgres://a:b@h/d'], {})).toEqual(['postgres://a:b@h/d']);
    expect(databaseUrlsIn(['--database=postgres://a:b@h/d'], { TESSERA_DATABASE_URL: 'postgresql://c:d@h/e' })).toHaveLength(2);
    expect(databaseUrlsIn(['init', '--data', '/tmp/x'], {})).toEqual([]);
  });
});

describe('tessera migrate (SQLite)', () => {
  it('says the schema is up to date after init, and changes nothing', async () => {
    const data = dataDir();
    expect((await run(['init', '--data', data])).code).toBe(0);
    const before = fs.readFileSync(path.join(data, 'tessera.db'));
    const r = await run(['migrate', '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Schema already up to date: version \\d+ \\(SQLite, ${path.join(data, 'tessera.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`),
    );
    expect(fs.readFileSync(path.join(data, 'tessera.db')).equals(before)).toBe(true);
  });

  it('refuses a data folder with no database, and creates none', async () => {
    const data = dataDir();
    const r = await run(['migrate', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`No Tessera database in ${data}`);
    expect(fs.existsSync(path.join(data, 'tessera.db'))).toBe(false);
  });
});

describe('--database and TESSERA_DATABASE_URL', () => {
  it('--help of every command that opens the store tells what --database does', async () => {
    for (const argv of [
      ['init', '--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['apikey', 'list', '--help'],
      ['audit', 'verify', '--help'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toContain('--database URL   a shared PostgreSQL database');
      expect(r.stdout, argv.join(' ')).toContain('$TESSERA_DATABASE_URL');
    }
    expect((await run(['--help'])).stdout).toContain('migrate');
  });

  it('a --database that is not a postgres:// URL is bad usage, and nothing is created', async () => {
    const data = dataDir();
    const r = await run(['init', '--data', data, '--database', path.join(data, 'other.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The database must be a PostgreSQL URL');
    expect(fs.existsSync(data)).toBe(false);
  });

  it('a TESSERA_DATABASE_URL that is not a postgres:// URL is a reported error naming it', async () => {
    const data = dataDir();
    const r = await run(['init', '--data', data], { env: { TESSERA_DATABASE_URL: 'mysql://u:p@h/d' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TESSERA_DATABASE_URL: The database must be a PostgreSQL URL');
    expect(fs.existsSync(data)).toBe(false);
  });

  it('an unreachable database: one line, its password masked', async () => {
    const data = dataDir();
    // Port 1 on loopback: nothing listens there.
    const url = 'postgres://tessera:never-printed-pw@127.0.0.1:1/tessera';
    const r = await run(['apikey', 'list', '--data', data, '--database', url]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(`${r.stdout}${r.stderr}`).not.toContain('never-printed-pw');
  });

  it('restore is refused on PostgreSQL (it replaces the SQLite file)', async () => {
    const data = dataDir();
    const r = await run(['restore', path.join(data, 'b.db'), '--data', data, '--database', 'postgres://u:pw12345@127.0.0.1:1/d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pg_restore');
    expect(r.stderr).not.toContain('pw12345');
  });
});
