import { connectionOf } from '../connection';
import type { FactorType } from '../../../shared/schemas/methods';
import type { Db } from '../db';

export interface FactorRow {
  id: string;
  user_id: string;
  /** The method's factor type (shared/schemas/methods.ts); the table's CHECK lists the same. */
  type: FactorType;
  status: 'pending' | 'active';
  label: string | null;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512' | null;
  digits: 6 | 8 | null;
  period: 30 | 60 | null;
  secret_sealed: Buffer | null;
  key_version: number | null;
  counter: number;
  last_step: number;
  created_at: number;
  confirmed_at: number | null;
  expires_at: number | null;
  last_used_at: number | null;
  /** Where a delivered factor's codes go (email address, E.164 number); null for every other type. */
  destination: string | null;
}

export class FactorsRepo {
  private readonly byUser;
  private readonly activeByUser;
  private readonly byId;
  private readonly insertStmt;
  private readonly activateStmt;
  private readonly advanceStepStmt;
  private readonly advanceCounterStmt;
  private readonly deleteStmt;
  private readonly deleteAllStmt;
  private readonly expiredStmt;
  private readonly usersWithActiveStmt;
  private readonly insertActiveStmt;
  private readonly labelStmt;
  private readonly usedStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.byUser = s.prepare<[string], FactorRow>('SELECT * FROM factors WHERE user_id = ? ORDER BY created_at, id');
    this.activeByUser = s.prepare<[string], FactorRow>(
      `SELECT * FROM factors WHERE user_id = ? AND status = 'active' ORDER BY last_used_at DESC NULLS LAST, created_at`,
    );
    this.byId = s.prepare<[string, string], FactorRow>('SELECT * FROM factors WHERE id = ? AND user_id = ?');
    this.insertStmt = s.prepare(
      `INSERT INTO factors (id, user_id, type, status, label, algorithm, digits, period, secret_sealed, key_version, counter, last_step, created_at, expires_at, destination)
       VALUES (@id, @user_id, @type, 'pending', @label, @algorithm, @digits, @period, @secret_sealed, @key_version, 0, 0, @created_at, @expires_at, @destination)`,
    );
    this.activateStmt = s.prepare(
      `UPDATE factors SET status = 'active', confirmed_at = @now, expires_at = NULL, last_used_at = @now,
         last_step = @last_step, counter = @counter
       WHERE id = @id AND status = 'pending'`,
    );
    // The WHERE clause is the replay guard: a step at or below the stored one changes nothing.
    this.advanceStepStmt = s.prepare('UPDATE factors SET last_step = @step, last_used_at = @now WHERE id = @id AND last_step < @step');
    this.advanceCounterStmt = s.prepare('UPDATE factors SET counter = @counter, last_used_at = @now WHERE id = @id AND counter < @counter');
    this.deleteStmt = s.prepare<[string, string]>('DELETE FROM factors WHERE id = ? AND user_id = ?');
    this.deleteAllStmt = s.prepare<[string]>('DELETE FROM factors WHERE user_id = ?');
    this.expiredStmt = s.prepare<[number], FactorRow & { username: string }>(
      `SELECT f.*, u.username FROM factors f JOIN users u ON u.id = f.user_id
       WHERE f.status = 'pending' AND f.expires_at <= ? ORDER BY f.expires_at LIMIT 500`,
    );
    this.usersWithActiveStmt = s.prepare<[string], { n: number }>(`SELECT count(DISTINCT user_id) AS n FROM factors WHERE type = ? AND status = 'active'`);
    // A factor proven when it is created (a WebAuthn registration): no secret, active at once.
    this.insertActiveStmt = s.prepare(
      `INSERT INTO factors (id, user_id, type, status, label, created_at, confirmed_at)
       VALUES (@id, @user_id, @type, 'active', @label, @created_at, @created_at)`,
    );
    this.labelStmt = s.prepare<[string | null, string, string]>('UPDATE factors SET label = ? WHERE id = ? AND user_id = ?');
    this.usedStmt = s.prepare<[number, string]>('UPDATE factors SET last_used_at = ? WHERE id = ?');
  }

  listByUser(userId: string): FactorRow[] {
    return this.byUser.all(userId);
  }

  listActive(userId: string): FactorRow[] {
    return this.activeByUser.all(userId);
  }

  find(userId: string, id: string): FactorRow | undefined {
    return this.byId.get(id, userId);
  }

  insertPending(
    row: Pick<
      FactorRow,
      'id' | 'user_id' | 'type' | 'label' | 'algorithm' | 'digits' | 'period' | 'secret_sealed' | 'key_version' | 'created_at' | 'expires_at'
    > & { destination?: string | null },
  ): void {
    this.insertStmt.run({ destination: null, ...row });
  }

  activate(id: string, now: number, state: { last_step: number; counter: number }): boolean {
    return this.activateStmt.run({ id, now, ...state }).changes === 1;
  }

  /** Returns false when the step was already used (a replay), atomically. */
  advanceStep(id: string, step: number, now: number): boolean {
    return this.advanceStepStmt.run({ id, step, now }).changes === 1;
  }

  advanceCounter(id: string, counter: number, now: number): boolean {
    return this.advanceCounterStmt.run({ id, counter, now }).changes === 1;
  }

  delete(userId: string, id: string): boolean {
    return this.deleteStmt.run(id, userId).changes === 1;
  }

  deleteAllForUser(userId: string): number {
    return this.deleteAllStmt.run(userId).changes;
  }

  expiredPending(now: number): (FactorRow & { username: string })[] {
    return this.expiredStmt.all(now);
  }

  insertActive(row: Pick<FactorRow, 'id' | 'user_id' | 'type' | 'label' | 'created_at'>): void {
    this.insertActiveStmt.run(row);
  }

  setLabel(userId: string, id: string, label: string | null): boolean {
    return this.labelStmt.run(label, id, userId).changes === 1;
  }

  markUsed(id: string, now: number): void {
    this.usedStmt.run(now, id);
  }

  countUsersWithActive(type: FactorRow['type']): number {
    return this.usersWithActiveStmt.get(type)!.n;
  }
}
