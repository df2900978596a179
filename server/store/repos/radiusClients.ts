import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface RadiusClientRow {
  id: string;
  name: string;
  /** An IP or CIDR block. */
  address: string;
  /** The shared secret, sealed under data key `key_version` (the id as associated data). */
  secret_sealed: Buffer;
  key_version: number;
  mode: 'code' | 'challenge' | 'password_code';
  require_message_auth: 0 | 1;
  created_at: number;
  updated_at: number;
}

/** RADIUS clients (NAS), one row each. */
export class RadiusClientsRepo {
  private readonly allStmt;
  private readonly byIdStmt;
  private readonly byNameStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.allStmt = s.prepare<[], RadiusClientRow>('SELECT * FROM radius_clients ORDER BY lower(name)');
    this.byIdStmt = s.prepare<[string], RadiusClientRow>('SELECT * FROM radius_clients WHERE id = ?');
    this.byNameStmt = s.prepare<[string], RadiusClientRow>('SELECT * FROM radius_clients WHERE lower(name) = lower(?)');
    this.insertStmt = s.prepare(
      `INSERT INTO radius_clients (id, name, address, secret_sealed, key_version, mode, require_message_auth, created_at, updated_at)
       VALUES (@id, @name, @address, @secret_sealed, @key_version, @mode, @require_message_auth, @created_at, @updated_at)`,
    );
    this.updateStmt = s.prepare(
      `UPDATE radius_clients SET name = @name, address = @address, secret_sealed = @secret_sealed, key_version = @key_version,
         mode = @mode, require_message_auth = @require_message_auth, updated_at = @updated_at WHERE id = @id`,
    );
    this.deleteStmt = s.prepare<[string]>('DELETE FROM radius_clients WHERE id = ?');
  }

  list(): RadiusClientRow[] {
    return this.allStmt.all();
  }

  findById(id: string): RadiusClientRow | undefined {
    return this.byIdStmt.get(id);
  }

  findByName(name: string): RadiusClientRow | undefined {
    return this.byNameStmt.get(name);
  }

  insert(row: RadiusClientRow): void {
    this.insertStmt.run(row);
  }

  update(row: RadiusClientRow): void {
    this.updateStmt.run(row);
  }

  remove(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
