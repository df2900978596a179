import { connectionOf } from '../connection';
import type { Db } from '../db';

/**
 * Leases on a slow check (migration 0016): one holder per (kind, subject)
 * across every node. Written with the upsert both dialects run the same.
 */
export class CheckLeasesRepo {
  private readonly takeStmt;
  private readonly releaseStmt;
  private readonly findStmt;
  private readonly renewStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    // The row is ours when there is none, or the one there has run out (a crashed holder's): changes() = 1.
    this.takeStmt = s.prepare<{ kind: string; subject_key: string; holder: string; expires_at: number; now: number }>(
      `INSERT INTO check_leases (kind, subject_key, holder, expires_at) VALUES (@kind, @subject_key, @holder, @expires_at)
       ON CONFLICT (kind, subject_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE check_leases.expires_at <= @now`,
    );
    this.releaseStmt = s.prepare<[string, string, string]>('DELETE FROM check_leases WHERE kind = ? AND subject_key = ? AND holder = ?');
    this.renewStmt = s.prepare<[number, string, string, string]>('UPDATE check_leases SET expires_at = ? WHERE kind = ? AND subject_key = ? AND holder = ?');
    this.findStmt = s.prepare<[string, string], { holder: string; expires_at: number }>(
      'SELECT holder, expires_at FROM check_leases WHERE kind = ? AND subject_key = ?',
    );
  }

  /** Takes the lease until `expiresAt` unless a live one is held; true when taken. */
  take(kind: string, subjectKey: string, holder: string, now: number, expiresAt: number): boolean {
    return this.takeStmt.run({ kind, subject_key: subjectKey, holder, expires_at: expiresAt, now }).changes === 1;
  }

  /** Gives the lease back; a lease that ran out and was taken by another holder is left alone. */
  release(kind: string, subjectKey: string, holder: string): void {
    this.releaseStmt.run(kind, subjectKey, holder);
  }

  /** Moves a held lease's end on (long work renews as it goes); false when it is no longer this holder's. */
  renew(kind: string, subjectKey: string, holder: string, expiresAt: number): boolean {
    return this.renewStmt.run(expiresAt, kind, subjectKey, holder).changes === 1;
  }

  find(kind: string, subjectKey: string): { holder: string; expires_at: number } | undefined {
    return this.findStmt.get(kind, subjectKey);
  }
}
