import { connectionOf } from '../connection';
import type { Db } from '../db';

export type ConsoleJobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface ConsoleJobRow {
  id: string;
  kind: string;
  owner_id: string;
  node: string;
  node_url: string | null;
  state: ConsoleJobState;
  done: number;
  total: number;
  message: string | null;
  cancel_requested: 0 | 1;
  started_at: number;
  finished_at: number | null;
}

/** Console jobs as every node sees them (migration 0017): state and progress only, never a result. */
export class ConsoleJobsRepo {
  private readonly insertStmt;
  private readonly findStmt;
  private readonly progressStmt;
  private readonly finishStmt;
  private readonly requestCancelStmt;
  private readonly cancelRequestedStmt;
  private readonly deleteStmt;
  private readonly sweepStmt;
  private readonly abandonStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.insertStmt = s.prepare<ConsoleJobRow>(
      `INSERT INTO console_jobs (id, kind, owner_id, node, node_url, state, done, total, message, cancel_requested, started_at, finished_at)
       VALUES (@id, @kind, @owner_id, @node, @node_url, @state, @done, @total, @message, @cancel_requested, @started_at, @finished_at)`,
    );
    this.findStmt = s.prepare<[string], ConsoleJobRow>('SELECT * FROM console_jobs WHERE id = ?');
    this.progressStmt = s.prepare<[number, number, string | null, string]>(
      "UPDATE console_jobs SET done = ?, total = ?, message = ? WHERE id = ? AND state = 'running'",
    );
    this.finishStmt = s.prepare<[ConsoleJobState, number, number, string | null, number, string]>(
      "UPDATE console_jobs SET state = ?, done = ?, total = ?, message = ?, finished_at = ? WHERE id = ? AND state = 'running'",
    );
    this.requestCancelStmt = s.prepare<[string]>("UPDATE console_jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'");
    this.cancelRequestedStmt = s.prepare<[string], { cancel_requested: number }>('SELECT cancel_requested FROM console_jobs WHERE id = ?');
    this.deleteStmt = s.prepare<[string]>('DELETE FROM console_jobs WHERE id = ?');
    this.sweepStmt = s.prepare<[number, number]>('DELETE FROM console_jobs WHERE (finished_at IS NOT NULL AND finished_at < ?) OR started_at < ?');
    this.abandonStmt = s.prepare<[string, number, string]>(
      "UPDATE console_jobs SET state = 'failed', message = ?, finished_at = ? WHERE node = ? AND state = 'running'",
    );
  }

  insert(row: ConsoleJobRow): void {
    this.insertStmt.run(row);
  }

  find(id: string): ConsoleJobRow | undefined {
    return this.findStmt.get(id);
  }

  progress(id: string, done: number, total: number, message: string | null): void {
    this.progressStmt.run(done, total, message, id);
  }

  /** Records how a running job ended (a row already finished is left as it is). */
  finish(id: string, state: Exclude<ConsoleJobState, 'running'>, done: number, total: number, message: string | null, at: number): void {
    this.finishStmt.run(state, done, total, message, at, id);
  }

  /** Asks the node running the job to stop it; false when it is not running (any more). */
  requestCancel(id: string): boolean {
    return this.requestCancelStmt.run(id).changes === 1;
  }

  cancelRequested(id: string): boolean {
    return this.cancelRequestedStmt.get(id)?.cancel_requested === 1;
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  /** Deletes jobs finished before `finishedBefore`, and any started before `startedBefore` (a node that never came back). */
  sweep(finishedBefore: number, startedBefore: number): number {
    return this.sweepStmt.run(finishedBefore, startedBefore).changes;
  }

  /** A node starting again: the jobs it was running when it stopped are over (their work is transactional). */
  abandon(node: string, message: string, at: number): number {
    return this.abandonStmt.run(message, at, node).changes;
  }
}
