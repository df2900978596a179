import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface DailyCount {
  day: string;
  action: string;
  outcome: string;
  reason: string;
  n: number;
}

/** A per-day counter that does not match the entries it counts (stored null: the row is missing). */
export interface DailyMismatch {
  day: string;
  action: string;
  outcome: string;
  reason: string;
  stored: number | null;
  actual: number;
}

/** Counters for the dashboard, kept by the audit log as it appends. */
export class DashboardRepo {
  private readonly bumpStmt;
  private readonly sinceStmt;
  private readonly usersWithoutFactorStmt;
  private readonly pendingStmt;
  private readonly recoveryUsersStmt;
  private readonly mismatchStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.bumpStmt = s.prepare<[string, string, string, string]>(
      `INSERT INTO audit_daily (day, action, outcome, reason, n) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (day, action, outcome, reason) DO UPDATE SET n = audit_daily.n + 1`,
    );
    this.sinceStmt = s.prepare<[string], DailyCount>('SELECT day, action, outcome, reason, n FROM audit_daily WHERE day >= ? ORDER BY day');
    this.usersWithoutFactorStmt = s.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`,
    );
    this.pendingStmt = s.prepare<[], { n: number }>(`SELECT count(*) AS n FROM factors WHERE status = 'pending'`);
    this.recoveryUsersStmt = s.prepare<[], { n: number }>('SELECT count(DISTINCT user_id) AS n FROM recovery_codes WHERE used_at IS NULL');
    // The counters recounted from the log (one statement: one consistent snapshot), both ways round.
    this.mismatchStmt = s.prepare<[], DailyMismatch>(
      `WITH actual AS (
         SELECT substr(at, 1, 10) AS day, action, outcome, coalesce(reason, '') AS reason, count(*) AS n FROM audit_log GROUP BY 1, 2, 3, 4
       )
       SELECT d.day, d.action, d.outcome, d.reason, d.n AS stored, coalesce(a.n, 0) AS actual
         FROM audit_daily d LEFT JOIN actual a ON a.day = d.day AND a.action = d.action AND a.outcome = d.outcome AND a.reason = d.reason
        WHERE a.n IS NULL OR a.n <> d.n
       UNION ALL
       SELECT a.day, a.action, a.outcome, a.reason, NULL AS stored, a.n AS actual
         FROM actual a
        WHERE NOT EXISTS (SELECT 1 FROM audit_daily d WHERE d.day = a.day AND d.action = a.action AND d.outcome = a.outcome AND d.reason = a.reason)
       ORDER BY 1, 2, 3, 4 LIMIT 1`,
    );
  }

  /** The first counter (by day) that differs from a count of the log's entries, if any: for audit verify. */
  firstMismatch(): DailyMismatch | undefined {
    return this.mismatchStmt.get();
  }

  bump(day: string, action: string, outcome: string, reason: string | null): void {
    this.bumpStmt.run(day, action, outcome, reason ?? '');
  }

  since(day: string): DailyCount[] {
    return this.sinceStmt.all(day);
  }

  usersWithoutFactor(): number {
    return this.usersWithoutFactorStmt.get()!.n;
  }

  usersWithRecoveryCodes(): number {
    return this.recoveryUsersStmt.get()!.n;
  }

  pendingFactors(): number {
    return this.pendingStmt.get()!.n;
  }
}
