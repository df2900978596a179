import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db';
import { rawConnection } from '../store/testing';

/**
 * Everything a store holds, as bytes, for the tests that prove a secret is
 * never stored: on SQLite the database file and its WAL/SHM as they are on
 * disk; on PostgreSQL (no file of ours to read) every value of every column
 * of every table, text as UTF-8 and bytea as it is. Labelled by file, or by
 * table.column.
 */
export function storedBytes(store: Db | { db: Db }): (readonly [string, Buffer])[] {
  const db = 'db' in store ? store.db : store;
  if (db.dialect === 'sqlite') {
    return ['', '-wal', '-shm']
      .map((suffix) => db.path + suffix)
      .filter((f) => fs.existsSync(f))
      .map((f) => [path.basename(f), fs.readFileSync(f)] as const);
  }
  const sql = rawConnection(db);
  const tables = sql
    .prepare<[], { table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
    .all();
  const out: (readonly [string, Buffer])[] = [];
  for (const { table_name } of tables) {
    for (const row of sql.prepare(`SELECT * FROM "${table_name.replace(/"/g, '""')}"`).all() as Record<string, unknown>[]) {
      for (const [column, v] of Object.entries(row)) {
        if (v === null || v === undefined) continue;
        out.push([`${table_name}.${column}`, Buffer.isBuffer(v) ? v : Buffer.from(String(v))]);
      }
    }
  }
  return out;
}
