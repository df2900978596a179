import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../store/migrations/index';
import { inspectDatabase, migrateDatabase } from './databaseState';

/** What `tessera migrate` runs: a SQLite file one schema behind goes to the latest version, and says so. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-dbstate-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database as an older Tessera left it: every migration but the last. */
function olderDatabase(file: string): number {
  const db = new Database(file);
  const version = MIGRATIONS.length - 1;
  for (const m of MIGRATIONS.slice(0, version)) {
    db.exec(m.sql);
    m.backfill?.(db);
  }
  db.pragma(`user_version = ${version}`);
  db.close();
  return version;
}

describe('migrateDatabase (SQLite)', () => {
  it('brings an older schema to the latest version and reports both', () => {
    const file = path.join(dir, 'old.db');
    const version = olderDatabase(file);
    expect(inspectDatabase(file)).toEqual({ dialect: 'sqlite', schemaVersion: version, latestVersion: MIGRATIONS.length, hasKeys: false, keyOpens: null });
    expect(migrateDatabase(file)).toEqual({ dialect: 'sqlite', from: version, to: MIGRATIONS.length });
    expect(migrateDatabase(file)).toEqual({ dialect: 'sqlite', from: MIGRATIONS.length, to: MIGRATIONS.length });
  });

  it('refuses a file that is not there, and creates none', () => {
    const file = path.join(dir, 'missing.db');
    expect(() => migrateDatabase(file)).toThrow(/No Tessera database/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a schema newer than this Tessera knows, and leaves it', () => {
    const file = path.join(dir, 'newer.db');
    olderDatabase(file);
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    db.close();
    expect(() => migrateDatabase(file)).toThrow(`schema ${MIGRATIONS.length + 3}`);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 3);
    check.close();
  });
});
