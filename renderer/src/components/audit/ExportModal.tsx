import { Alert, Button, Group, Modal, Progress, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { AuditView } from './auditUrl';
import { hasFilters } from './auditUrl';
import { formatBytes } from '../../lib/format';
import { exportUrl, runExport, type ExportFormat, type ExportProgress, type ExportResult } from './exportStream';
import { saveBlob } from '../../lib/saveBlob';

type State =
  | { phase: 'running'; progress: ExportProgress }
  | { phase: 'done'; result: ExportResult }
  | { phase: 'cancelled'; progress: ExportProgress }
  | { phase: 'failed'; message: string };

export const FORMAT_LABELS: Record<ExportFormat, string> = {
  csv: 'CSV',
  jsonl: 'JSON lines',
};

/**
 * Runs one export of what the list shows, from the moment it opens: a
 * progress bar (entries and bytes), Cancel while it runs, then the file is
 * handed to the browser. The export itself is recorded in the audit log.
 */
export function ExportModal({ request, onClose }: { request: { view: AuditView; format: ExportFormat } | null; onClose: () => void }) {
  const [state, setState] = useState<State>({ phase: 'running', progress: { rows: 0, total: null, bytes: 0 } });
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => {
    if (!request) return;
    const abort = new AbortController();
    abortRef.current = abort;
    let progress: ExportProgress = { rows: 0, total: null, bytes: 0 };
    setState({ phase: 'running', progress });
    runExport(exportUrl(request.view, request.format), request.format, abort.signal, (p) => {
      progress = p;
      setState({ phase: 'running', progress: p });
    })
      .then((result) => {
        saveBlob(result.blob, result.fileName);
        setState({ phase: 'done', result });
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) setState({ phase: 'cancelled', progress });
        else setState({ phase: 'failed', message: err instanceof Error ? err.message : String(err) });
      });
    return () => abort.abort();
  }, [request]);

  const cancel = () => abortRef.current?.abort();
  const close = () => {
    cancel();
    onClose();
  };

  const format = request?.format ?? 'csv';
  const filtered = request ? hasFilters(request.view) : false;
  const running = state.phase === 'running';
  const p: ExportProgress | null =
    state.phase === 'running' || state.phase === 'cancelled'
      ? state.progress
      : state.phase === 'done'
        ? { rows: state.result.rows, total: state.result.rows, bytes: state.result.bytes }
        : null;
  const percent = p && p.total ? Math.min(100, (p.rows / p.total) * 100) : p && p.total === 0 ? 100 : null;

  return (
    <Modal
      opened={request !== null}
      onClose={running ? cancel : close}
      title={`Export ${filtered ? 'filtered entries' : 'the whole log'} as ${FORMAT_LABELS[format]}`}
      centered
      size="lg"
      closeOnClickOutside={!running}
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {format === 'csv'
            ? 'One row per entry, oldest first, for a spreadsheet. Cells that a spreadsheet would run as a formula start with an apostrophe.'
            : filtered
              ? 'One JSON object per line, oldest first, with the signing key and a signed checkpoint. A filtered export cannot be chain-verified on its own; export without filters for that.'
              : 'An audit bundle: one JSON object per line, oldest first, ending with the signed head. “tessera audit verify --bundle FILE --key FINGERPRINT” checks it offline against the key fingerprint “tessera audit key” prints; keep the head it reports and pass it with --since next time to detect a rollback.'}
        </Text>

        {p && (
          <Stack gap={6} aria-live="polite">
            <Progress
              value={percent ?? 100}
              animated={running && percent === null}
              striped={running}
              color={state.phase === 'done' ? 'green' : state.phase === 'cancelled' ? 'gray' : undefined}
              size="lg"
              aria-label="Export progress"
            />
            <Group justify="space-between">
              <Text size="sm" data-testid="export-progress">
                {p.rows.toLocaleString('en')}
                {p.total !== null ? ` of ${p.total.toLocaleString('en')}` : ''} entries
              </Text>
              <Text size="sm" c="dimmed">
                {formatBytes(p.bytes)}
              </Text>
            </Group>
          </Stack>
        )}

        {state.phase === 'done' && (
          <Alert color="green" variant="light" title="Export complete" role="status">
            <Text size="sm" data-testid="export-done">
              {state.result.rows.toLocaleString('en')} {state.result.rows === 1 ? 'entry' : 'entries'} ({formatBytes(state.result.bytes)}) saved as{' '}
              <span className="mono">{state.result.fileName}</span>.
            </Text>
            <Text size="xs" c="dimmed" mt={4}>
              The export is recorded in the audit log.
            </Text>
          </Alert>
        )}
        {state.phase === 'cancelled' && (
          <Alert color="gray" variant="light" title="Export cancelled" role="status">
            Nothing was saved.
          </Alert>
        )}
        {state.phase === 'failed' && (
          <Alert color="red" variant="light" title="The export failed" role="alert">
            {state.message}
          </Alert>
        )}

        <Group justify="flex-end" gap="sm">
          {running ? (
            <Button variant="default" color="red" onClick={cancel}>
              Cancel export
            </Button>
          ) : (
            <>
              {state.phase === 'done' && (
                <Button variant="default" onClick={() => saveBlob(state.result.blob, state.result.fileName)}>
                  Save again
                </Button>
              )}
              <Button onClick={close} data-autofocus>
                Close
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
