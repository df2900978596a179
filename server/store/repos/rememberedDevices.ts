import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface RememberedDeviceRow {
  id: string;
  user_id: string;
  /** The API key that asked: only its verifies may present the token. */
  api_key_id: string;
  /** SHA-256 of the token: the token itself is never stored. */
  token_hash: Buffer;
  label: string;
  user_agent: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number;
}

/** Devices applications asked Tessera to remember after a verify. */
export class RememberedDevicesRepo {
  private readonly insertStmt;
  private readonly byHash;
  private readonly byUser;
  private readonly usedStmt;
  private readonly deleteStmt;
  private readonly deleteAllStmt;
  private readonly expireStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare(
      `INSERT INTO remembered_devices (id, user_id, api_key_id, token_hash, label, user_agent, created_at, expires_at)
       VALUES (@id, @user_id, @api_key_id, @token_hash, @label, @user_agent, @created_at, @expires_at)`,
    );
    this.byHash = s.prepare<[Buffer], RememberedDeviceRow>('SELECT * FROM remembered_devices WHERE token_hash = ?');
    this.byUser = s.prepare<[string], RememberedDeviceRow>('SELECT * FROM remembered_devices WHERE user_id = ? ORDER BY created_at, id');
    this.usedStmt = s.prepare<[number, string]>('UPDATE remembered_devices SET last_used_at = ? WHERE id = ?');
    this.deleteStmt = s.prepare<[string, string]>('DELETE FROM remembered_devices WHERE id = ? AND user_id = ?');
    this.deleteAllStmt = s.prepare<[string]>('DELETE FROM remembered_devices WHERE user_id = ?');
    this.expireStmt = s.prepare<[number]>('DELETE FROM remembered_devices WHERE expires_at <= ?');
  }

  insert(row: Omit<RememberedDeviceRow, 'last_used_at'>): void {
    this.insertStmt.run(row);
  }

  findByHash(hash: Buffer): RememberedDeviceRow | undefined {
    return this.byHash.get(hash);
  }

  forUser(userId: string): RememberedDeviceRow[] {
    return this.byUser.all(userId);
  }

  markUsed(id: string, now: number): void {
    this.usedStmt.run(now, id);
  }

  delete(userId: string, id: string): boolean {
    return this.deleteStmt.run(id, userId).changes === 1;
  }

  deleteAllForUser(userId: string): number {
    return this.deleteAllStmt.run(userId).changes;
  }

  deleteExpired(now: number): number {
    return this.expireStmt.run(now).changes;
  }
}
