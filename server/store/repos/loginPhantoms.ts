import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface LoginPhantomRow {
  username_key: string;
  failures: number;
  last_failure_at: number | null;
  locked_until: number | null;
}

/** Throttle state of console sign-ins with a username no operator has (see migration 0007). */
export class LoginPhantomsRepo {
  private readonly findStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly countStmt;
  private readonly pruneExpiredStmt;
  private readonly evictOldestStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.findStmt = s.prepare<[string], LoginPhantomRow>(
      'SELECT username_key, failures, last_failure_at, locked_until FROM login_phantoms WHERE username_key = ?',
    );
    this.upsertStmt = s.prepare(
      `INSERT INTO login_phantoms (username_key, failures, last_failure_at, locked_until)
       VALUES (@username_key, @failures, @last_failure_at, @locked_until)
       ON CONFLICT (username_key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
    );
    this.deleteStmt = s.prepare<[string]>('DELETE FROM login_phantoms WHERE username_key = ?');
    this.countStmt = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM login_phantoms');
    this.pruneExpiredStmt = s.prepare<[number]>('DELETE FROM login_phantoms WHERE locked_until IS NOT NULL AND locked_until <= ?');
    this.evictOldestStmt = s.prepare<[number]>(
      'DELETE FROM login_phantoms WHERE username_key IN (SELECT username_key FROM login_phantoms ORDER BY last_failure_at NULLS FIRST LIMIT ?)',
    );
  }

  find(key: string): LoginPhantomRow | undefined {
    return this.findStmt.get(key);
  }

  put(row: LoginPhantomRow): void {
    this.upsertStmt.run(row);
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  /** Rows whose lock has run out: the throttle reads them as no row at all, so they can go. */
  pruneExpired(now: number): number {
    return this.pruneExpiredStmt.run(now).changes;
  }

  /** Drops the `n` rows with the oldest last failure. */
  evictOldest(n: number): number {
    return this.evictOldestStmt.run(n).changes;
  }
}
