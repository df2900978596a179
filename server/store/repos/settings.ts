import { connectionOf } from '../connection';
import type { Db } from '../db';

export class SettingsRepo {
  private readonly allStmt;
  private readonly upsertStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.allStmt = s.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.upsertStmt = s.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  all(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const row of this.allStmt.all()) out[row.key] = JSON.parse(row.value);
    return out;
  }

  set(key: string, value: unknown): void {
    this.upsertStmt.run(key, JSON.stringify(value));
  }
}
