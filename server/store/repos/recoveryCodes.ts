import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface RecoveryCodeRow {
  id: number;
  user_id: string;
  lookup_id: string;
  hash: string;
  created_at: number;
  used_at: number | null;
}

export class RecoveryCodesRepo {
  private readonly byLookup;
  private readonly insertStmt;
  private readonly useStmt;
  private readonly deleteAllStmt;
  private readonly countsStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.byLookup = s.prepare<[string, string], RecoveryCodeRow>('SELECT * FROM recovery_codes WHERE user_id = ? AND lookup_id = ?');
    this.insertStmt = s.prepare('INSERT INTO recovery_codes (user_id, lookup_id, hash, created_at) VALUES (@user_id, @lookup_id, @hash, @created_at)');
    // Single use, atomically: a code already used changes nothing.
    this.useStmt = s.prepare<[number, number]>('UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL');
    this.deleteAllStmt = s.prepare<[string]>('DELETE FROM recovery_codes WHERE user_id = ?');
    this.countsStmt = s.prepare<[string], { total: number; unused: number }>(
      'SELECT count(*) AS total, count(*) FILTER (WHERE used_at IS NULL) AS unused FROM recovery_codes WHERE user_id = ?',
    );
  }

  findByLookup(userId: string, lookupId: string): RecoveryCodeRow | undefined {
    return this.byLookup.get(userId, lookupId);
  }

  insert(row: Omit<RecoveryCodeRow, 'id' | 'used_at'>): void {
    this.insertStmt.run(row);
  }

  markUsed(id: number, now: number): boolean {
    return this.useStmt.run(now, id).changes === 1;
  }

  deleteAllForUser(userId: string): number {
    return this.deleteAllStmt.run(userId).changes;
  }

  counts(userId: string): { total: number; unused: number } {
    return this.countsStmt.get(userId)!;
  }
}
