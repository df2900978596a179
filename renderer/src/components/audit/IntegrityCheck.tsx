import { Alert, Button, CloseButton, Group, Progress, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { AuditVerifyResult } from '../../../../shared/schemas/audit';
import { errorMessage, useTRPC } from '../../api/trpc';
import { IconShield } from '../common/icons';
import { auditProblemText } from '../../../../shared/auditActions';
import { useJobPoll } from '../../lib/useJobPoll';

/**
 * "Check integrity": a job on the server (a worker thread recomputes the
 * whole hash chain and checks every signed checkpoint, the signed head and
 * the anchor kept outside the database), polled for progress, with Cancel.
 */
export function useIntegrityCheck() {
  const trpc = useTRPC();
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation(trpc.audit.verify.mutationOptions({ onSuccess: (job) => setJobId(job.id) }));
  const job = useJobPoll(jobId, 400);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void job.refetch() }));
  const status = jobId !== null ? (job.data ?? null) : null;
  const running = start.isPending || (jobId !== null && (status === null || status.state === 'running'));
  const parsed = status?.state === 'done' ? AuditVerifyResult.safeParse(status.result) : null;
  return {
    running,
    progress: status?.state === 'running' ? { done: status.done, total: status.total } : null,
    result: parsed?.success ? parsed.data : null,
    cancelled: status?.state === 'cancelled',
    error: start.isError
      ? errorMessage(start.error)
      : job.isError
        ? errorMessage(job.error)
        : status?.state === 'failed'
          ? (status.message ?? 'The check failed')
          : (status?.elsewhere?.message ?? null), // several nodes: this poll reached a node that did not run it (its result is not here)
    start: () => {
      cancel.reset();
      setJobId(null);
      start.mutate();
    },
    cancel: () => {
      if (jobId !== null) cancel.mutate({ id: jobId });
    },
    cancelling: cancel.isPending,
    reset: () => {
      start.reset();
      setJobId(null);
    },
  };
}

export type IntegrityCheck = ReturnType<typeof useIntegrityCheck>;

export function IntegrityButton({ check }: { check: IntegrityCheck }) {
  return (
    <Button variant="default" leftSection={<IconShield size={16} />} onClick={() => check.start()} loading={check.running}>
      Check integrity
    </Button>
  );
}

export function IntegrityResult({ check }: { check: IntegrityCheck }) {
  if (check.running) {
    const p = check.progress;
    const pct = p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : 0;
    return (
      <Alert color="blue" variant="light" role="status" data-testid="integrity-progress">
        <Stack gap="xs">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">
              Recomputing the hash chain from the first entry and checking the signatures…
              {p ? ` ${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')} entries` : ''}
            </Text>
            <Button size="xs" variant="default" onClick={() => check.cancel()} loading={check.cancelling}>
              Cancel
            </Button>
          </Group>
          <Progress value={pct} size="md" striped animated aria-label="Integrity check progress" />
        </Stack>
      </Alert>
    );
  }
  if (check.cancelled) {
    return (
      <Alert color="gray" variant="light" role="status" withCloseButton onClose={() => check.reset()}>
        The integrity check was cancelled; nothing was concluded.
      </Alert>
    );
  }
  if (check.error !== null) {
    return (
      <Alert color="red" variant="light" title="The integrity check could not run" role="alert" withCloseButton onClose={() => check.reset()}>
        {check.error}
      </Alert>
    );
  }
  const r = check.result;
  if (!r) return null;
  const dismiss = <CloseButton aria-label="Dismiss the result" onClick={() => check.reset()} />;
  if (r.ok) {
    return (
      <Alert color="green" variant="light" role="status" data-testid="integrity-result" icon={<IconShield />}>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4}>
            <Text fw={700}>Integrity check passed: the audit log is intact</Text>
            <Text size="sm">
              All {r.entries.toLocaleString('en')} entries recomputed from the first; the hash chain, {r.checkpoints.toLocaleString('en')} signed{' '}
              {r.checkpoints === 1 ? 'checkpoint' : 'checkpoints'}, the signed head and the anchor kept outside the database all match.
            </Text>
            <Text size="xs" c="dimmed">
              Head hash <span className="mono audit-hash">{r.head}</span>
            </Text>
          </Stack>
          {dismiss}
        </Group>
      </Alert>
    );
  }
  const where = r.firstBadSeq > 0 ? ` at entry #${r.firstBadSeq.toLocaleString('en')}` : '';
  return (
    <Alert color="red" variant="filled" role="alert" data-testid="integrity-result">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Text fw={700}>Integrity check FAILED{where}</Text>
          <Text size="sm">{auditProblemText(r.problem) ?? r.message ?? r.problem}</Text>
          {r.message && auditProblemText(r.problem) && <Text size="xs">{r.message}</Text>}
          <Text size="sm">
            The log was changed outside Tessera. Keep a copy of the database, the anchor file and the latest exported bundle for the investigation.
          </Text>
        </Stack>
        <CloseButton aria-label="Dismiss the result" onClick={() => check.reset()} variant="transparent" c="white" />
      </Group>
    </Alert>
  );
}
