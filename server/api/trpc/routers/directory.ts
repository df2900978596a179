import { z } from 'zod';
import { TesseraError } from '../../../../shared/errors';
import {
  ApplySyncInput,
  DirectoryConfigInput,
  DirectoryGroupsInput,
  DirectoryTestInput,
  GroupRolloutInput,
  type SyncResult,
} from '../../../../shared/schemas/directory';
import { directory } from '../../../services/index';
import { adminProcedure, auditProcedure, helpdeskProcedure, router } from '../init';

/** The job kind a sync runs as (jobs.get / jobs.cancel). */
export const DIRECTORY_SYNC_JOB = 'directory.sync';

/** Users from LDAP / Active Directory: the connection, a test, a dry run and a sync (as a job). */
export const directoryRouter = router({
  /** The settings (never the bind password: only hasPassword) and the last sync; null before any. */
  get: auditProcedure.input(z.void()).query(({ ctx }) => directory.directoryView(ctx.services)),
  set: adminProcedure.input(DirectoryConfigInput).mutation(({ ctx, input }) => directory.setDirectoryConfig(ctx.services, input, ctx.actor)),
  /** "Test connection" with the form's settings (or the stored ones): what the server said and how many users the filter finds. */
  test: adminProcedure.input(DirectoryTestInput).mutation(({ ctx, input }) => directory.testDirectoryConnection(ctx.services, input.config)),
  /** The dry run: reads the directory, changes nothing. A mutation: it is slow and goes out to the network, never to be refetched on focus. */
  planSync: adminProcedure.input(z.void()).mutation(({ ctx }) => directory.planDirectorySync(ctx.services)),
  /**
   * Starts a sync as a job: poll jobs.get (done/total, message = phase;
   * result: SyncResult), stop it with jobs.cancel. A failed or empty search,
   * or the mass-disable guard without confirm, fails the job with the
   * reason in words and changes nothing.
   */
  applySync: adminProcedure.input(ApplySyncInput).mutation(({ ctx, input }) => {
    if (directory.isSyncRunning(ctx.services)) throw new TesseraError('conflict', 'A directory sync is already running; wait for it to finish');
    const owner = ctx.session.operator.id;
    const actor = ctx.actor;
    return ctx.jobs.start<SyncResult>(DIRECTORY_SYNC_JOB, owner, 0, (job) =>
      directory.applyDirectorySync(ctx.services, actor, {
        confirm: input.confirm,
        signal: job.signal,
        onProgress: (p) => job.progress(p.done, p.total, p.phase),
      }),
    );
  }),
  /** The directory's groups whose name contains the query, with enabled members and how many have no active factor (the rollout's group picker). */
  groups: helpdeskProcedure.input(DirectoryGroupsInput).query(({ ctx, input }) => directory.directoryGroups(ctx.services, input)),
  /** Users of a directory group without an active factor (rollouts: who still needs a sheet). */
  groupWithoutFactor: helpdeskProcedure
    .input(GroupRolloutInput)
    .query(({ ctx, input }) => directory.usersInGroupWithoutFactor(ctx.services, input.group, input.limit)),
});
