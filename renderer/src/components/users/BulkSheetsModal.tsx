import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, Progress, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { SheetBatchResult, type Paper, type SheetBatchStarted, type SheetPlan } from '../../../../shared/schemas/sheets';
import { batchDownloadUrl, planSheetBatch, startSheetBatch } from '../../api/sheetsHttp';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatBytes, formatNumber, plural } from '../../lib/format';
import { useJobPoll } from '../../lib/useJobPoll';
import { reasonCounts, reprintCsv } from '../../pages/rollout';
import { defaultPaper, PaperPicker, rememberPaper } from '../sheets/PrintSheetButton';
import { IconDownload, IconPrinter } from '../sheets/sheetIcons';

/**
 * Enrollment sheets for the users selected in the list (admins): the
 * rollout's batch job for exactly these users (sent as its CSV selection),
 * so the same rules apply — a dry run first says who gets a sheet and who
 * is skipped and why; Generate runs the job with progress and Cancel; then
 * one PDF to download, a page per user.
 */
export function BulkSheetsModal({ usernames, opened, onClose }: { usernames: readonly string[]; opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [paper, setPaper] = useState<Paper>(defaultPaper);
  const [reissuePending, setReissuePending] = useState(false);
  const [plan, setPlan] = useState<SheetPlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<SheetBatchStarted | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJobPoll(started?.jobId ?? null, 300);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void job.refetch() }));
  const status = started ? (job.data ?? null) : null;
  const finished = status && status.state !== 'running' ? status : null;
  const result = finished ? SheetBatchResult.safeParse(finished.result) : null;
  const running = started !== null && !finished;
  const selection = { kind: 'csv' as const, csv: reprintCsv(usernames).text };

  // A dry run whenever the dialog opens or the choice changes: it changes nothing.
  useEffect(() => {
    if (!opened || started) return;
    const controller = new AbortController();
    setPlan(null);
    setError(null);
    planSheetBatch({ selection, paper, reissuePending }, controller.signal)
      .then(setPlan)
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      });
    return () => controller.abort();
  }, [opened, reissuePending, usernames.join('\n')]);

  useEffect(() => {
    if (finished) void queryClient.invalidateQueries(trpc.users.pathFilter());
  }, [finished, queryClient, trpc]);

  const close = () => {
    if (running) return;
    setStarted(null);
    setPlan(null);
    onClose();
  };

  const generate = async () => {
    setStarting(true);
    setError(null);
    rememberPaper(paper);
    try {
      setStarted(await startSheetBatch({ selection, paper, reissuePending }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Enrollment sheets for {plural(usernames.length, 'selected user')}</Text>} centered size="lg">
      <Stack gap="md" data-testid="bulk-sheets">
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        {started === null && (
          <>
            <Text size="sm">
              Each sheet issues a new secret for its user&apos;s authenticator app, recorded in the audit log; it becomes active at the user&apos;s first code.
            </Text>
            <PaperPicker value={paper} onChange={setPaper} />
            <Checkbox
              checked={reissuePending}
              onChange={(e) => setReissuePending(e.currentTarget.checked)}
              label="Also reprint for users whose sheet has not been scanned yet"
              description="Their old sheet stops working."
            />
            {!plan && !error && (
              <Group gap="xs">
                <Loader size="xs" aria-label="Checking who gets a sheet" />
                <Text size="sm" c="dimmed">
                  Checking who gets a sheet…
                </Text>
              </Group>
            )}
            {plan && (
              <Stack gap="xs" data-testid="bulk-sheets-plan">
                <Group gap="xs">
                  <Badge color="teal" variant="light" size="lg">
                    {plural(plan.sheets.length, 'sheet')} to print
                  </Badge>
                  <Badge color="gray" variant="light" size="lg">
                    {formatNumber(plan.skippedTotal)} skipped
                  </Badge>
                </Group>
                {reasonCounts(plan.skipped).map(([reason, n]) => (
                  <Text key={reason} size="sm" c="dimmed">
                    {plural(n, 'user')}: {reason}
                  </Text>
                ))}
              </Stack>
            )}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button leftSection={<IconPrinter size={16} />} onClick={() => void generate()} loading={starting} disabled={!plan || plan.sheets.length === 0}>
                {plan && plan.sheets.length > 0 ? `Generate ${plural(plan.sheets.length, 'sheet')}` : 'Generate sheets'}
              </Button>
            </Group>
          </>
        )}
        {started !== null && running && (
          <>
            <Progress value={status && status.total > 0 ? (status.done / status.total) * 100 : 0} size="lg" striped animated aria-label="Progress" />
            <Group justify="space-between">
              <Text size="sm" data-testid="bulk-sheets-progress">
                {formatNumber(status?.done ?? 0)} of {formatNumber(status?.total ?? started.total)} · {status?.message ?? 'starting'}
              </Text>
              <Button variant="default" color="red" onClick={() => cancel.mutate({ id: started.jobId })} loading={cancel.isPending}>
                Cancel
              </Button>
            </Group>
          </>
        )}
        {finished?.state === 'done' && result?.success && (
          <>
            <Alert color="teal" variant="light" title={`${plural(result.data.pages, 'sheet')} ready`}>
              One PDF ({formatBytes(result.data.bytes)}), a page per user. It holds every user&apos;s secret: print it, hand out the sheets, then delete the
              file.
            </Alert>
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Close
              </Button>
              <Button component="a" href={batchDownloadUrl(started!.jobId)} download leftSection={<IconDownload size={16} />}>
                Download PDF
              </Button>
            </Group>
          </>
        )}
        {finished?.state === 'done' && finished.elsewhere && (
          // Several nodes: the file is on the node that made it.
          <>
            <Alert color="yellow" variant="light" title="The sheets are ready on another node" role="alert">
              {finished.elsewhere.message}
            </Alert>
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Close
              </Button>
            </Group>
          </>
        )}
        {finished && finished.state !== 'done' && (
          <>
            <Alert color={finished.state === 'cancelled' ? 'yellow' : 'red'} variant="light" title={finished.state === 'cancelled' ? 'Cancelled' : 'Failed'}>
              {finished.state === 'cancelled'
                ? finished.elsewhere
                  ? `The batch ran on node ${finished.elsewhere.node}; the sheets it issued before you cancelled stay issued (audit log, sheet.issue) and its unfinished file was deleted, so print those again.`
                  : `${plural(result?.success ? result.data.issued : 0, 'sheet was', 'sheets were')} issued before you cancelled; the unfinished file was deleted, so print those again.`
                : finished.message}
            </Alert>
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Close
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}
