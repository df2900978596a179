import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface TemporaryCodeRow {
  id: string;
  user_id: string;
  /** HMAC of the code (services/codeMacs.ts): the code itself is never stored. */
  code_mac: Buffer;
  reason: string;
  /** The operator who issued it. */
  issued_by: string | null;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses_left: number;
  last_used_at: number | null;
}

/** The helpdesk's temporary codes for a user who lost their device: at most one per user. */
export class TemporaryCodesRepo {
  private readonly replaceStmt;
  private readonly byUser;
  private readonly useStmt;
  private readonly deleteStmt;
  private readonly expireStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.replaceStmt = s.prepare(
      `INSERT INTO temporary_codes (id, user_id, code_mac, reason, issued_by, created_at, expires_at, max_uses, uses_left)
       VALUES (@id, @user_id, @code_mac, @reason, @issued_by, @created_at, @expires_at, @max_uses, @max_uses)
       ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, code_mac = excluded.code_mac, reason = excluded.reason,
         issued_by = excluded.issued_by, created_at = excluded.created_at, expires_at = excluded.expires_at,
         max_uses = excluded.max_uses, uses_left = excluded.uses_left, last_used_at = NULL`,
    );
    this.byUser = s.prepare<[string], TemporaryCodeRow>('SELECT * FROM temporary_codes WHERE user_id = ?');
    // Conditional: two verifies racing for the last use cannot both take it.
    this.useStmt = s.prepare<[number, string]>('UPDATE temporary_codes SET uses_left = uses_left - 1, last_used_at = ? WHERE id = ? AND uses_left > 0');
    this.deleteStmt = s.prepare<[string]>('DELETE FROM temporary_codes WHERE user_id = ?');
    this.expireStmt = s.prepare<[number], { user_id: string; id: string }>(
      'DELETE FROM temporary_codes WHERE expires_at <= ? OR uses_left = 0 RETURNING user_id, id',
    );
  }

  replace(row: Omit<TemporaryCodeRow, 'uses_left' | 'last_used_at'>): void {
    this.replaceStmt.run(row);
  }

  forUser(userId: string): TemporaryCodeRow | undefined {
    return this.byUser.get(userId);
  }

  /** Takes one use: false when none is left (or the code was replaced). */
  use(id: string, now: number): boolean {
    return this.useStmt.run(now, id).changes === 1;
  }

  revoke(userId: string): boolean {
    return this.deleteStmt.run(userId).changes === 1;
  }

  /** Removes expired and used-up codes; returns which went. */
  deleteSpent(now: number): { user_id: string; id: string }[] {
    return this.expireStmt.all(now);
  }
}
