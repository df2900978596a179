import { connectionOf } from '../connection';
import type { Db } from '../db';

/** A sign-in between its password and its second step (migration 0016), by the SHA-256 of its ticket text. */
export interface SignInTicketRow {
  hash: string;
  operator_id: string;
  purpose: 'totp' | 'enroll';
  expires_at: number;
  attempts: number;
  /** Only for enrollment: the new TOTP seed, sealed with the keyring. */
  secret_sealed: Buffer | null;
  secret_key_version: number | null;
}

/** Open sign-in tickets, shared by every node on the database. */
export class SignInTicketsRepo {
  private readonly insertStmt;
  private readonly findStmt;
  private readonly takeStmt;
  private readonly deleteStmt;
  private readonly countFailureStmt;
  private readonly purgeStmt;
  private readonly dropForStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare<SignInTicketRow>(
      `INSERT INTO signin_tickets (hash, operator_id, purpose, expires_at, attempts, secret_sealed, secret_key_version)
       VALUES (@hash, @operator_id, @purpose, @expires_at, @attempts, @secret_sealed, @secret_key_version)`,
    );
    this.findStmt = s.prepare<[string], SignInTicketRow>('SELECT * FROM signin_tickets WHERE hash = ?');
    this.takeStmt = s.prepare<[string, string, number], { hash: string }>(
      'DELETE FROM signin_tickets WHERE hash = ? AND purpose = ? AND expires_at > ? RETURNING hash',
    );
    this.deleteStmt = s.prepare<[string]>('DELETE FROM signin_tickets WHERE hash = ?');
    this.countFailureStmt = s.prepare<[string], { attempts: number }>('UPDATE signin_tickets SET attempts = attempts + 1 WHERE hash = ? RETURNING attempts');
    this.purgeStmt = s.prepare<[number]>('DELETE FROM signin_tickets WHERE expires_at <= ?');
    this.dropForStmt = s.prepare<[string]>('DELETE FROM signin_tickets WHERE operator_id = ?');
  }

  insert(row: SignInTicketRow): void {
    this.insertStmt.run(row);
  }

  find(hash: string): SignInTicketRow | undefined {
    return this.findStmt.get(hash);
  }

  /** Uses the ticket up: true for exactly one caller, and only while it is live and for this step. */
  take(hash: string, purpose: SignInTicketRow['purpose'], now: number): boolean {
    return this.takeStmt.get(hash, purpose, now) !== undefined;
  }

  delete(hash: string): void {
    this.deleteStmt.run(hash);
  }

  /** One more wrong second step; returns the count now (undefined when the ticket is gone). */
  countFailure(hash: string): number | undefined {
    return this.countFailureStmt.get(hash)?.attempts;
  }

  /** Removes tickets past their expiry; returns how many. */
  purge(now: number): number {
    return this.purgeStmt.run(now).changes;
  }

  /** Removes every open ticket of the operator. */
  dropFor(operatorId: string): number {
    return this.dropForStmt.run(operatorId).changes;
  }
}
