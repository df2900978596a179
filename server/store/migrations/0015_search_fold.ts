import type Database from 'better-sqlite3';
import { userSortKeys } from '../repos/userSearchText';

/**
 * Issue 18: searches fold accents and case both ways ("chloe" finds
 * "Chloé", "CHLOÉ" finds "chloe"), and the users list sorts by username,
 * name, last sign-in or creation with keyset pages. users.search_text is
 * re-made folded (core/search/fold) — the FTS index over it is rebuilt once
 * rather than row by row — and two sort keys join it: username_fold (the
 * folded username, whose range also answers 1–2 character searches) and
 * name_sort (the folded display name; no name sorts after every name).
 * Each sort has an index that ends in search_text, so a search that walks
 * users in that order reads only the index. users_failing holds the few
 * users with failures (the locked/throttled filter).
 */
export const sql = `
ALTER TABLE users ADD COLUMN username_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';
DROP INDEX users_by_key_text;
DROP TRIGGER users_fts_update;
`;

const AFTER = `
INSERT INTO users_fts (users_fts) VALUES ('rebuild');
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users BEGIN
  INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
  INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE INDEX users_by_fold ON users(username_fold, username_key, search_text);
CREATE INDEX users_by_name ON users(name_sort, username_key, search_text);
CREATE INDEX users_by_created ON users(created_at, username_key, search_text);
CREATE INDEX users_by_sign_in ON users(coalesce(last_verified_at, 0), username_key, search_text);
CREATE INDEX users_failing ON users(failures) WHERE failures > 0;
`;

/** Inside the migration's transaction, after its SQL: every user's folded text and sort keys, then the index and the trigger back. */
export function backfill(db: Database.Database): void {
  // In chunks by rowid: a connection cannot write while a read of it is still open.
  const chunk = db.prepare<[number], { rowid: number; username: string; display_name: string | null; email: string | null }>(
    'SELECT rowid, username, display_name, email FROM users WHERE rowid > ? ORDER BY rowid LIMIT 5000',
  );
  const set = db.prepare('UPDATE users SET search_text = @search_text, username_fold = @username_fold, name_sort = @name_sort WHERE rowid = @rowid');
  for (let after = 0; ; ) {
    const rows = chunk.all(after);
    if (rows.length === 0) break;
    for (const row of rows) set.run({ rowid: row.rowid, ...userSortKeys(row) });
    after = rows[rows.length - 1]!.rowid;
  }
  db.exec(AFTER);
}
