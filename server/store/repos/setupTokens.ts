import { connectionOf } from '../connection';
import type { Db } from '../db';

/** One-time links (first-admin setup); only the SHA-256 of the token is stored. */
export class SetupTokensRepo {
  private readonly insertStmt;
  private readonly findStmt;
  private readonly useStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare('INSERT INTO setup_tokens (hash, purpose, created_at, expires_at) VALUES (@hash, @purpose, @created_at, @expires_at)');
    this.findStmt = s.prepare<[string], { hash: string; purpose: string; expires_at: number; used_at: number | null }>(
      'SELECT hash, purpose, expires_at, used_at FROM setup_tokens WHERE hash = ?',
    );
    this.useStmt = s.prepare<[number, string, number]>('UPDATE setup_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?');
  }

  insert(row: { hash: string; purpose: string; created_at: number; expires_at: number }): void {
    this.insertStmt.run(row);
  }

  find(hash: string) {
    return this.findStmt.get(hash);
  }

  /** Marks the token used; false when it was already used or has expired. */
  consume(hash: string, now: number): boolean {
    return this.useStmt.run(now, hash, now).changes === 1;
  }
}
