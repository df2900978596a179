import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';

/** Stands in while there is no job: the query is off then, but its input must still parse. */
const NO_JOB = '00000000-0000-4000-8000-000000000000';

/** A server job's status (jobs.get), asked again every `everyMs` while it runs; idle without a job id. */
export function useJobPoll(jobId: string | null, everyMs: number) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.jobs.get.queryOptions({ id: jobId ?? NO_JOB }),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data?.state === 'running' ? everyMs : false),
    staleTime: 0,
  });
}
