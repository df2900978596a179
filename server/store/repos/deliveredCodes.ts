import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface DeliveredCodeRow {
  /** The transactionId the challenge answered with. */
  id: string;
  user_id: string;
  factor_id: string;
  /** 'confirm': the code that activates a pending factor; 'challenge': a sign-in code. */
  purpose: 'challenge' | 'confirm';
  /** HMAC of the code (services/codeMacs.ts): the code itself is never stored. */
  code_mac: Buffer;
  /** The API key that asked for it: only that key's verify may use it (null: asked by an operator). */
  api_key_id: string | null;
  created_at: number;
  expires_at: number;
}

/** Codes sent to email and SMS factors: one live code per factor, deleted when used. */
export class DeliveredCodesRepo {
  private readonly replaceStmt;
  private readonly byFactor;
  private readonly liveForUser;
  private readonly deleteStmt;
  private readonly expireStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    // UNIQUE(factor_id): a new code replaces the factor's old one (voids it), in one statement.
    this.replaceStmt = s.prepare(
      `INSERT INTO delivered_codes (id, user_id, factor_id, purpose, code_mac, api_key_id, created_at, expires_at)
       VALUES (@id, @user_id, @factor_id, @purpose, @code_mac, @api_key_id, @created_at, @expires_at)
       ON CONFLICT (factor_id) DO UPDATE SET id = excluded.id, purpose = excluded.purpose, code_mac = excluded.code_mac,
         api_key_id = excluded.api_key_id, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    );
    this.byFactor = s.prepare<[string], DeliveredCodeRow>('SELECT * FROM delivered_codes WHERE factor_id = ?');
    this.liveForUser = s.prepare<[string, number], DeliveredCodeRow>('SELECT * FROM delivered_codes WHERE user_id = ? AND expires_at > ?');
    // Conditional on the id: a code replaced meanwhile is not the one being used up.
    this.deleteStmt = s.prepare<[string]>('DELETE FROM delivered_codes WHERE id = ?');
    this.expireStmt = s.prepare<[number]>('DELETE FROM delivered_codes WHERE expires_at <= ?');
  }

  replace(row: DeliveredCodeRow): void {
    this.replaceStmt.run(row);
  }

  forFactor(factorId: string): DeliveredCodeRow | undefined {
    return this.byFactor.get(factorId);
  }

  liveOf(userId: string, now: number): DeliveredCodeRow[] {
    return this.liveForUser.all(userId, now);
  }

  /** Uses a code up: true once, false when another request used or replaced it first. */
  consume(id: string): boolean {
    return this.deleteStmt.run(id).changes === 1;
  }

  deleteExpired(now: number): number {
    return this.expireStmt.run(now).changes;
  }
}
