import { Alert, Badge, Button, Checkbox, Code, FileButton, Group, Loader, Modal, Progress, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ImportJobResult, ImportPreview, type ImportRowOutcome } from '../../../../shared/schemas/userImport';
import { startUserImport, startUserImportPreview } from '../../api/consoleHttp';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatNumber, plural } from '../../lib/format';
import { IconFile, IconUpload } from '../common/icons';
import './users.css';
import { useJobPoll } from '../../lib/useJobPoll';

const MAX_BYTES = 50 * 1024 * 1024;
const OUTCOME: Record<ImportRowOutcome, { label: string; color: string }> = {
  create: { label: 'Create', color: 'teal' },
  skip: { label: 'Skip', color: 'gray' },
  reject: { label: 'Reject', color: 'red' },
};

/** While reading, jobId is the server's preview job once the upload is done (null while uploading). */
type Stage =
  | { kind: 'choose' }
  | { kind: 'reading'; file: File; jobId: string | null }
  | { kind: 'preview'; file: File; preview: ImportPreview }
  | { kind: 'running'; file: File; preview: ImportPreview; jobId: string };

/** The drop target and file picker (keyboard: the button). */
function ChooseFile({ onFile, error }: { onFile: (f: File) => void; error: string | null }) {
  const [over, setOver] = useState(false);
  return (
    <Stack gap="md">
      <div
        className="drop-zone"
        data-active={over || undefined}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer.files[0];
          if (f) onFile(f);
        }}
        data-testid="import-drop-zone"
      >
        <Stack align="center" gap="xs" py={36} px="md">
          <IconUpload size={32} />
          <Text fw={600}>Drop a CSV file here</Text>
          <Text size="sm" c="dimmed">
            or
          </Text>
          <FileButton onChange={(f) => f && onFile(f)} accept=".csv,text/csv">
            {(props) => (
              <Button {...props} variant="light" leftSection={<IconFile size={16} />}>
                Choose a CSV file
              </Button>
            )}
          </FileButton>
          <Text size="xs" c="dimmed">
            UTF-8, up to 50 MB and 200,000 rows
          </Text>
        </Stack>
      </div>
      <Text size="sm">
        The first row names the columns: <Code>username</Code> (required), <Code>email</Code>, <Code>display_name</Code>. Other columns are ignored. You will
        see what happens to every row before anything is created.
      </Text>
      {error && (
        <Alert color="red" variant="light" title="This file cannot be imported" role="alert">
          {error}
        </Alert>
      )}
    </Stack>
  );
}

/** Every row of the preview, virtualised (a file may have 200,000). */
function PreviewTable({ preview }: { preview: ImportPreview }) {
  const [filter, setFilter] = useState<'all' | ImportRowOutcome>(preview.counts.reject > 0 ? 'reject' : 'all');
  const rows = useMemo(() => (filter === 'all' ? preview.rows : preview.rows.filter((r) => r.outcome === filter)), [preview, filter]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => 40, overscan: 10 });
  return (
    <Stack gap="xs">
      <SegmentedControl
        value={filter}
        onChange={(x) => setFilter(x as typeof filter)}
        aria-label="Show rows"
        data={[
          { value: 'all', label: `All ${formatNumber(preview.total)}` },
          { value: 'create', label: `Create ${formatNumber(preview.counts.create)}` },
          { value: 'skip', label: `Skip ${formatNumber(preview.counts.skip)}` },
          { value: 'reject', label: `Reject ${formatNumber(preview.counts.reject)}` },
        ]}
      />
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed" ta="center" py="lg">
          No rows in this group.
        </Text>
      ) : (
        <div ref={scrollRef} className="vt-scroll preview-scroll" data-testid="import-preview">
          <Table className="vt vt-preview" verticalSpacing={0}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Username</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Display name</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody style={{ height: v.getTotalSize() }}>
              {v.getVirtualItems().map((item) => {
                const r = rows[item.index]!;
                return (
                  <Table.Tr key={r.row} style={{ height: 40, transform: `translateY(${item.start}px)` }}>
                    <Table.Td>
                      <Text size="sm" c="dimmed" span>
                        {r.row}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={OUTCOME[r.outcome].color}>
                        {OUTCOME[r.outcome].label}
                      </Badge>
                    </Table.Td>
                    <Table.Td title={r.username ?? undefined}>
                      <Text size="sm" span>
                        {r.username ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td title={r.email ?? undefined}>
                      <Text size="sm" span>
                        {r.email ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td title={r.displayName ?? undefined}>
                      <Text size="sm" span>
                        {r.displayName ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td className="reason" title={r.reason ?? undefined}>
                      <Text size="xs" span c={r.outcome === 'reject' ? 'red.8' : 'dimmed'}>
                        {r.reason ?? ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {preview.rowsTruncated && (
        <Text size="xs" c="dimmed">
          The list shows {formatNumber(preview.rows.length)} of {formatNumber(preview.total)} rows (every skipped and rejected one first); the counts cover the
          whole file.
        </Text>
      )}
    </Stack>
  );
}

/**
 * CSV import: choose or drop a file → the server's preview of what will be
 * created, skipped and rejected (with the reason per row) → Start → progress
 * with Cancel → summary. Runs as a server job, so closing the dialog does not stop it.
 */
export function ImportUsersModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<Stage>({ kind: 'choose' });
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [enrollEmail, setEnrollEmail] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  // Offered only while email codes are on: the server refuses the option otherwise.
  const settings = useQuery(trpc.settings.get.queryOptions(undefined, { retry: false }));
  const emailOn = settings.data?.methods.email === true;

  const jobId = stage.kind === 'running' ? stage.jobId : null;
  const job = useJobPoll(jobId, 400);
  // The preview is a server job too: the file is read and checked with progress, and can be cancelled.
  const previewJobId = stage.kind === 'reading' ? stage.jobId : null;
  const previewJob = useJobPoll(previewJobId, 300);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void job.refetch() }));
  const finished = job.data && job.data.state !== 'running' ? job.data : null;
  const result = finished ? ImportJobResult.safeParse(finished.result) : null;

  useEffect(() => {
    const s = previewJob.data;
    if (stage.kind !== 'reading' || !s || s.id !== stage.jobId || s.state === 'running') return;
    const preview = s.state === 'done' ? ImportPreview.safeParse(s.result) : null;
    if (preview?.success) {
      setStage({ kind: 'preview', file: stage.file, preview: preview.data });
      return;
    }
    // A preview finished on another node (several nodes) is held there: its message says which.
    if (s.state !== 'cancelled') setError(s.elsewhere?.message ?? s.message ?? 'The file could not be read');
    setStage({ kind: 'choose' });
  }, [previewJob.data, stage]);

  useEffect(() => {
    if (finished) {
      void queryClient.invalidateQueries(trpc.users.list.pathFilter());
      void queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter());
    }
  }, [finished, queryClient, trpc]);

  const reset = () => {
    abortRef.current?.abort();
    if (stage.kind === 'reading' && stage.jobId) cancel.mutate({ id: stage.jobId });
    setStage({ kind: 'choose' });
    setError(null);
  };
  const close = () => {
    if (stage.kind === 'reading') abortRef.current?.abort();
    if (stage.kind !== 'running' || finished) reset();
    onClose();
  };

  const readFile = async (file: File) => {
    setError(null);
    if (file.size > MAX_BYTES) {
      setError(`The file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 50 MB. Split it into smaller files.`);
      return;
    }
    const controller = new AbortController();
    abortRef.current = controller;
    setStage({ kind: 'reading', file, jobId: null });
    try {
      const started = await startUserImportPreview(file, controller.signal);
      if (controller.signal.aborted) return;
      setStage({ kind: 'reading', file, jobId: started.jobId });
    } catch (err) {
      if (controller.signal.aborted) return;
      setError(errorMessage(err));
      setStage({ kind: 'choose' });
    }
  };

  const start = async () => {
    if (stage.kind !== 'preview') return;
    setStarting(true);
    setError(null);
    try {
      const started = await startUserImport(stage.preview.planId, emailOn && enrollEmail);
      setStage({ kind: 'running', file: stage.file, preview: stage.preview, jobId: started.jobId });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  let content: React.ReactNode;
  if (stage.kind === 'choose') {
    content = <ChooseFile onFile={(f) => void readFile(f)} error={error} />;
  } else if (stage.kind === 'reading') {
    const status = stage.jobId !== null && previewJob.data?.id === stage.jobId ? previewJob.data : null;
    content = (
      <Stack align="center" py="xl" gap="sm">
        {status && status.total > 0 ? (
          <Progress value={Math.round((status.done / status.total) * 100)} size="lg" w="100%" striped animated aria-label="Reading the file" />
        ) : (
          <Loader aria-label="Reading the file" />
        )}
        <Text size="sm" data-testid="import-reading">
          {status?.message ?? (stage.jobId === null ? `Uploading ${stage.file.name}…` : `Reading ${stage.file.name}…`)}
        </Text>
        <Button variant="default" onClick={reset}>
          Cancel
        </Button>
      </Stack>
    );
  } else if (stage.kind === 'preview') {
    const { preview } = stage;
    content = (
      <Stack gap="md">
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={500}>
            {stage.file.name}: {plural(preview.total, 'row')}
          </Text>
          <Badge color="teal" variant="light">
            {formatNumber(preview.counts.create)} to create
          </Badge>
          <Badge color="gray" variant="light">
            {formatNumber(preview.counts.skip)} to skip
          </Badge>
          <Badge color="red" variant="light">
            {formatNumber(preview.counts.reject)} rejected
          </Badge>
        </Group>
        {preview.ignoredColumns.length > 0 && (
          <Text size="xs" c="dimmed">
            Ignored columns: {preview.ignoredColumns.join(', ')}
          </Text>
        )}
        <PreviewTable preview={preview} />
        {emailOn && (
          <Checkbox
            checked={enrollEmail}
            onChange={(e) => setEnrollEmail(e.currentTarget.checked)}
            label="Enroll an email factor for each new user with an address"
            description="Each address is sent a confirmation code; the factor works once the user types it back. Email codes are weaker than apps and keys."
            data-testid="import-enroll-email"
          />
        )}
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="space-between">
          <Button variant="default" onClick={reset}>
            Choose another file
          </Button>
          <Button onClick={() => void start()} loading={starting} disabled={preview.counts.create === 0}>
            {preview.counts.create === 0 ? 'Nothing to create' : `Import ${plural(preview.counts.create, 'user')}`}
          </Button>
        </Group>
      </Stack>
    );
  } else {
    const status = job.data;
    const total = status?.total ?? stage.preview.counts.create;
    const done = status?.done ?? 0;
    const pct = total > 0 ? Math.round((done / total) * 100) : 100;
    content = (
      <Stack gap="md">
        {!finished ? (
          <>
            <Text size="sm" fw={500}>
              Importing {stage.file.name}…
            </Text>
            <Progress value={pct} size="lg" striped animated aria-label="Import progress" />
            <Group justify="space-between">
              <Text size="sm" c="dimmed" data-testid="import-progress">
                {formatNumber(done)} of {formatNumber(total)} processed
              </Text>
              <Button color="red" variant="light" onClick={() => cancel.mutate({ id: stage.jobId })} loading={cancel.isPending}>
                Cancel import
              </Button>
            </Group>
            <Text size="xs" c="dimmed">
              Users are added in batches; cancelling keeps the batches already added. You may close this dialog: the import goes on.
            </Text>
          </>
        ) : (
          <>
            <Alert
              color={finished.state === 'done' ? 'teal' : finished.state === 'cancelled' ? 'orange' : 'red'}
              variant="light"
              title={finished.state === 'done' ? 'Import finished' : finished.state === 'cancelled' ? 'Import cancelled' : 'Import failed'}
              role="status"
              data-testid="import-summary"
            >
              {result?.success ? (
                <Stack gap={4}>
                  <Text size="sm">{plural(result.data.created, 'user')} created.</Text>
                  <Text size="sm">{plural(result.data.skipped, 'row')} skipped (already there or repeated in the file).</Text>
                  <Text size="sm">{plural(result.data.rejected, 'row')} rejected.</Text>
                  {result.data.cancelled && <Text size="sm">{plural(result.data.notAttempted, 'user')} not imported because of the cancel.</Text>}
                  {result.data.emailCodes.sent + result.data.emailCodes.failed > 0 && (
                    <Text size="sm" data-testid="import-email-codes">
                      {plural(result.data.emailCodes.sent, 'confirmation code')} sent by email
                      {result.data.emailCodes.failed > 0 &&
                        `; ${formatNumber(result.data.emailCodes.failed)} could not be sent (${result.data.emailCodes.firstError})`}
                      .
                    </Text>
                  )}
                </Stack>
              ) : (
                <Text size="sm">{finished.elsewhere?.message ?? finished.message ?? 'The import stopped.'}</Text>
              )}
            </Alert>
            <Group justify="flex-end">
              <Button variant="default" onClick={reset}>
                Import another file
              </Button>
              <Button onClick={close}>Done</Button>
            </Group>
          </>
        )}
      </Stack>
    );
  }

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Import users from CSV</Text>} size="min(1100px, 96vw)" centered>
      {content}
    </Modal>
  );
}
