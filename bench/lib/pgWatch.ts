/**
 * PostgreSQL seen from outside during a bench phase, over a connection of
 * the bench's own: the statements the nodes ran (pg_stat_statements, when
 * the server preloads it) and how often the cluster write lock was held or
 * waited for (pg_locks, sampled).
 */
import pg from 'pg';

export interface StatementCount {
  query: string;
  calls: number;
  /** Mean execution time on the server, ms (for LOCK TABLE: the wait for the lock). */
  meanMs: number;
}

export interface StatementStats {
  /** Every statement the nodes ran, BEGIN/LOCK/SAVEPOINT/COMMIT included. */
  calls: number;
  /** Server execution time of all of them, seconds. */
  execSeconds: number;
  /** Calls of the write lock's LOCK TABLE: the write transactions. */
  writeTransactions: number;
  /** Mean time the LOCK TABLE took, ms: the wait for the write lock. */
  lockWaitMeanMs: number;
  top: StatementCount[];
}

export interface LockSamples {
  samples: number;
  /** Share of samples in which a session held the write lock. */
  heldShare: number;
  /** Mean number of sessions waiting for it. */
  meanWaiting: number;
}

const WRITE_LOCK = 'tessera_write_lock';
/** What the watcher itself runs, left out of the counts. */
const OWN_QUERIES = /pg_stat_statements|pg_locks|pg_stat_database/;

export class PgWatch {
  private constructor(
    private readonly client: pg.Client,
    readonly statements: boolean,
  ) {}

  /** Connects to `url`; statement counts only when the server preloads pg_stat_statements (CREATE EXTENSION is run here). */
  static async open(url: string): Promise<PgWatch> {
    const client = new pg.Client({ connectionString: url, application_name: 'bench-watch' });
    await client.connect();
    let statements = false;
    try {
      const { rows } = await client.query<{ s: string }>("SELECT current_setting('shared_preload_libraries') AS s");
      if (/pg_stat_statements/.test(rows[0]?.s ?? '')) {
        await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        statements = true;
      }
    } catch {
      statements = false;
    }
    return new PgWatch(client, statements);
  }

  async resetStatements(): Promise<void> {
    if (this.statements) await this.client.query('SELECT pg_stat_statements_reset()');
  }

  /** What the nodes ran since resetStatements(), in this database. */
  async statementStats(): Promise<StatementStats | null> {
    if (!this.statements) return null;
    const { rows } = await this.client.query<{ query: string; calls: string; total: number; mean: number }>(
      `SELECT query, calls, total_exec_time AS total, mean_exec_time AS mean FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC`,
    );
    const theirs = rows.filter((r) => !OWN_QUERIES.test(r.query));
    const lock = theirs.filter((r) => r.query.includes(WRITE_LOCK) && /LOCK TABLE/i.test(r.query));
    const lockCalls = lock.reduce((s, r) => s + Number(r.calls), 0);
    return {
      calls: theirs.reduce((s, r) => s + Number(r.calls), 0),
      execSeconds: theirs.reduce((s, r) => s + r.total, 0) / 1000,
      writeTransactions: lockCalls,
      lockWaitMeanMs: lockCalls === 0 ? 0 : lock.reduce((s, r) => s + r.total, 0) / lockCalls,
      top: theirs
        .slice(0, 12)
        .map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 120), calls: Number(r.calls), meanMs: Math.round(r.mean * 1000) / 1000 })),
    };
  }

  /** Samples the write lock every `everyMs` until stop() is called. */
  sampleLock(everyMs: number): { stop: () => Promise<LockSamples> } {
    let running = true;
    let samples = 0;
    let held = 0;
    let waiting = 0;
    const sql = `SELECT count(*) FILTER (WHERE granted) AS held, count(*) FILTER (WHERE NOT granted) AS waiting
      FROM pg_locks WHERE locktype = 'relation' AND relation = '${WRITE_LOCK}'::regclass AND mode = 'ExclusiveLock'`;
    const loop = (async () => {
      while (running) {
        const { rows } = await this.client.query<{ held: string; waiting: string }>(sql);
        samples++;
        if (Number(rows[0]?.held ?? 0) > 0) held++;
        waiting += Number(rows[0]?.waiting ?? 0);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return { samples, heldShare: samples === 0 ? 0 : held / samples, meanWaiting: samples === 0 ? 0 : waiting / samples };
      },
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
