import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface SendCounts {
  /** Sends within the window. */
  count: number;
  /** The oldest send within the window (when the count goes down next), null when none. */
  oldestAt: number | null;
  /** The latest send, null when none. */
  latestAt: number | null;
}

/** One row per code sent: what the per-user and per-API-key send limits count. */
export class CodeSendsRepo {
  private readonly insertStmt;
  private readonly byUser;
  private readonly byApiKey;
  private readonly pruneStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare('INSERT INTO code_sends (user_id, api_key_id, channel, at) VALUES (@user_id, @api_key_id, @channel, @at)');
    // The camelCase aliases are quoted: PostgreSQL folds an unquoted one to lower case.
    this.byUser = s.prepare<[string, number], SendCounts>(
      'SELECT count(*) AS count, min(at) AS "oldestAt", max(at) AS "latestAt" FROM code_sends WHERE user_id = ? AND at > ?',
    );
    this.byApiKey = s.prepare<[string, number], SendCounts>(
      'SELECT count(*) AS count, min(at) AS "oldestAt", max(at) AS "latestAt" FROM code_sends WHERE api_key_id = ? AND at > ?',
    );
    this.pruneStmt = s.prepare<[number]>('DELETE FROM code_sends WHERE at <= ?');
  }

  record(row: { user_id: string | null; api_key_id: string | null; channel: 'email' | 'sms'; at: number }): void {
    this.insertStmt.run(row);
  }

  forUser(userId: string, since: number): SendCounts {
    return this.byUser.get(userId, since)!;
  }

  forApiKey(apiKeyId: string, since: number): SendCounts {
    return this.byApiKey.get(apiKeyId, since)!;
  }

  /** Drops rows no window looks at any more. */
  prune(before: number): void {
    this.pruneStmt.run(before);
  }
}
