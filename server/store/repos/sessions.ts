import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface SessionRow {
  id_hash: string;
  operator_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

/** Console sessions; only the SHA-256 of the session id is stored. */
export class SessionsRepo {
  private readonly insertStmt;
  private readonly findStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly deleteForOperatorStmt;
  private readonly deleteOthersStmt;
  private readonly purgeStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare(
      `INSERT INTO sessions (id_hash, operator_id, created_at, last_seen_at, expires_at, ip, user_agent)
       VALUES (@id_hash, @operator_id, @created_at, @last_seen_at, @expires_at, @ip, @user_agent)`,
    );
    this.findStmt = s.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?');
    this.touchStmt = s.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?');
    this.deleteStmt = s.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
    this.deleteForOperatorStmt = s.prepare<[string]>('DELETE FROM sessions WHERE operator_id = ?');
    this.deleteOthersStmt = s.prepare<[string, string]>('DELETE FROM sessions WHERE operator_id = ? AND id_hash <> ?');
    this.purgeStmt = s.prepare<[number, number]>('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?');
  }

  insert(row: SessionRow): void {
    this.insertStmt.run(row);
  }

  find(idHash: string): SessionRow | undefined {
    return this.findStmt.get(idHash);
  }

  touch(idHash: string, now: number): void {
    this.touchStmt.run(now, idHash);
  }

  delete(idHash: string): boolean {
    return this.deleteStmt.run(idHash).changes === 1;
  }

  deleteForOperator(operatorId: string): number {
    return this.deleteForOperatorStmt.run(operatorId).changes;
  }

  /** Ends every session of the operator but the one whose hash is `keepIdHash` (theirs, after a password change). */
  deleteOthersForOperator(operatorId: string, keepIdHash: string): number {
    return this.deleteOthersStmt.run(operatorId, keepIdHash).changes;
  }

  /** Removes sessions past their absolute expiry or idle since `idleBefore`. */
  purge(now: number, idleBefore: number): number {
    return this.purgeStmt.run(now, idleBefore).changes;
  }
}
