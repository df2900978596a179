import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export class ApiKeysRepo {
  private readonly byHash;
  private readonly byId;
  private readonly listStmt;
  private readonly insertStmt;
  private readonly revokeStmt;
  private readonly touchStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.byHash = s.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ?');
    this.byId = s.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?');
    this.listStmt = s.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id');
    this.insertStmt = s.prepare('INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES (@id, @name, @prefix, @hash, @scopes, @created_at)');
    this.revokeStmt = s.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    // Coarse (one write a minute per key) so recording use does not cost a write per request.
    this.touchStmt = s.prepare<[number, string, number]>('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
  }

  findByHash(hash: string): ApiKeyRow | undefined {
    return this.byHash.get(hash);
  }

  findById(id: string): ApiKeyRow | undefined {
    return this.byId.get(id);
  }

  list(): ApiKeyRow[] {
    return this.listStmt.all();
  }

  insert(row: Omit<ApiKeyRow, 'last_used_at' | 'revoked_at'>): void {
    this.insertStmt.run(row);
  }

  revoke(id: string, now: number): boolean {
    return this.revokeStmt.run(now, id).changes === 1;
  }

  touch(id: string, now: number): void {
    this.touchStmt.run(now, id, now - 60_000);
  }
}
