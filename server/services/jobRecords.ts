import os from 'node:os';
import { ConsoleJobsRepo, type ConsoleJobRow, type ConsoleJobState } from '../store/repos/consoleJobs';
import type { Store } from '../store/index';
import type { ServiceContext } from './context';

export type { ConsoleJobRow, ConsoleJobState };

/** The node a job runs on, as other nodes name it to the operator. */
export interface NodeIdentity {
  /** TESSERA_NODE_NAME, else host name:port. */
  name: string;
  /** TESSERA_NODE_URL: this node's console as operators reach it; null when not given. */
  url: string | null;
}

/** What the environment says about this node; the name's default (host:port) is only known once it listens. */
export function nodeIdentityFromEnv(env: NodeJS.ProcessEnv): { name?: string; url?: string } {
  const name = env.TESSERA_NODE_NAME?.trim();
  const url = env.TESSERA_NODE_URL?.trim();
  return { ...(name ? { name } : {}), ...(url ? { url } : {}) };
}

export function defaultNodeName(port: number): string {
  return `${os.hostname()}:${port}`;
}

/** One repository per store: its statements are prepared once. */
const repos = new WeakMap<Store, ConsoleJobsRepo>();
function repoOf(store: Store): ConsoleJobsRepo {
  let repo = repos.get(store);
  if (!repo) {
    repo = new ConsoleJobsRepo(store.db);
    repos.set(store, repo);
  }
  return repo;
}

/**
 * The console jobs' rows in the database (migration 0017): what a node that
 * does not run a job can say about it — its state and progress, the node
 * that holds its result — and the cancel request it leaves for that node.
 * Results and files never go here.
 */
export class JobRecords {
  private readonly repo: ConsoleJobsRepo;

  constructor(
    private readonly ctx: ServiceContext,
    /** This node; its name may be settled once it listens (the port). */
    readonly node: NodeIdentity,
  ) {
    this.repo = repoOf(ctx.store);
  }

  /** Records a new running job, deleting the rows whose keep time is over in the same transaction. */
  start(job: { id: string; kind: string; ownerId: string; total: number; startedAt: number }, keepMs: number): void {
    this.ctx.store.tx(() => {
      this.repo.sweep(job.startedAt - keepMs, job.startedAt - 24 * 3_600_000);
      this.repo.insert({
        id: job.id,
        kind: job.kind,
        owner_id: job.ownerId,
        node: this.node.name,
        node_url: this.node.url,
        state: 'running',
        done: 0,
        total: job.total,
        message: null,
        cancel_requested: 0,
        started_at: job.startedAt,
        finished_at: null,
      });
    });
  }

  progress(id: string, done: number, total: number, message: string | null): void {
    this.repo.progress(id, done, total, message);
  }

  finish(id: string, state: Exclude<ConsoleJobState, 'running'>, done: number, total: number, message: string | null, at: number): void {
    this.repo.finish(id, state, done, total, message, at);
  }

  find(id: string): ConsoleJobRow | undefined {
    return this.ctx.store.db.read(() => this.repo.find(id));
  }

  requestCancel(id: string): boolean {
    return this.repo.requestCancel(id);
  }

  cancelRequested(id: string): boolean {
    return this.ctx.store.db.read(() => this.repo.cancelRequested(id));
  }

  delete(id: string): void {
    this.repo.delete(id);
  }

  /** Counts commits by other connections (other nodes): when it has not moved, no other node can have asked for a cancel. */
  othersVersion(): number {
    return this.ctx.store.db.dataVersion();
  }

  /** This node (re)starting: jobs its previous run left running are over. */
  abandonOwn(): number {
    return this.repo.abandon(this.node.name, `Tessera restarted on node ${this.node.name} before this job finished`, this.ctx.clock());
  }
}
