import { Alert, Button, Group, Modal, Progress, Radio, Select, Stack, Text } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuditView } from './auditUrl';
import { hasFilters } from './auditUrl';
import { formatBytes } from '../../lib/format';
import { exportUrl, runExport, type ExportFormat, type ExportProgress, type ExportResult } from './exportStream';
import { localZone, monthLabel, monthRange, recentMonths, shiftMonth, type MonthKey } from './months';
import { saveBlob } from '../../lib/saveBlob';

type State =
  | { phase: 'choose' }
  | { phase: 'running'; progress: ExportProgress }
  | { phase: 'done'; result: ExportResult }
  | { phase: 'cancelled'; progress: ExportProgress }
  | { phase: 'failed'; message: string };

export const FORMAT_LABELS: Record<ExportFormat, string> = {
  csv: 'CSV',
  jsonl: 'JSON lines',
};

/** Which entries: the list's own time range, or a calendar month (UTC). */
type Period = 'list' | 'this' | 'last' | 'pick';

const OUTCOME_WORDS: Record<string, string> = { success: 'Success', failure: 'Failure', denied: 'Denied' };

/** The list's filters other than time, in words ("user alice, outcome Failure"). */
function otherFilters(view: AuditView): string | null {
  const parts = [
    view.user !== undefined ? `user ${view.user}` : null,
    view.action !== undefined ? `action ${view.action}` : null,
    view.actor !== undefined ? `by ${view.actor}` : null,
    view.outcome !== undefined ? `outcome ${OUTCOME_WORDS[view.outcome] ?? view.outcome}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(', ') : null;
}

function listRange(view: AuditView): string {
  const fmt = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  if (view.from && view.to) return `${fmt(view.from)} to ${fmt(view.to)}`;
  if (view.from) return `from ${fmt(view.from)}`;
  if (view.to) return `until ${fmt(view.to)}`;
  return 'any time';
}

/** The view exported for a period: a month replaces the list's time range and keeps its other filters. */
export function exportView(view: AuditView, period: Period, picked: MonthKey, nowMs: number): AuditView {
  if (period === 'list') return view;
  const month = period === 'this' ? shiftMonth(nowMs, 0) : period === 'last' ? shiftMonth(nowMs, -1) : picked;
  return { ...view, ...monthRange(month) };
}

/**
 * The export dialog: first which entries (what the list shows, this month,
 * last month or a month picked, each month in UTC and said so) and the
 * format; then one export with a progress bar (entries and bytes), Cancel
 * while it runs, and the file handed to the browser. The export itself is
 * recorded in the audit log.
 */
export function ExportModal({ view, onClose, now = Date.now }: { view: AuditView | null; onClose: () => void; now?: () => number }) {
  const [state, setState] = useState<State>({ phase: 'choose' });
  const [period, setPeriod] = useState<Period>('list');
  const [picked, setPicked] = useState<MonthKey>(() => shiftMonth(now(), -1));
  const [format, setFormat] = useState<ExportFormat>('csv');
  const abortRef = useRef<AbortController | null>(null);
  const opened = view !== null;
  const nowMs = useMemo(() => now(), [opened, now]);
  const months = useMemo(() => recentMonths(nowMs), [nowMs]);

  // Each opening starts at the choice, from what the list shows.
  useEffect(() => {
    if (!opened) return;
    setState({ phase: 'choose' });
    setPeriod('list');
  }, [opened]);
  useEffect(() => () => abortRef.current?.abort(), []);

  const chosen = view ? exportView(view, period, picked, nowMs) : null;
  const start = () => {
    if (!chosen) return;
    const abort = new AbortController();
    abortRef.current = abort;
    let progress: ExportProgress = { rows: 0, total: null, bytes: 0 };
    setState({ phase: 'running', progress });
    runExport(exportUrl(chosen, format), format, abort.signal, (p) => {
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
  };

  const cancel = () => abortRef.current?.abort();
  const close = () => {
    cancel();
    onClose();
  };

  const filtered = chosen ? hasFilters(chosen) : false;
  const running = state.phase === 'running';
  const p: ExportProgress | null =
    state.phase === 'running' || state.phase === 'cancelled'
      ? state.progress
      : state.phase === 'done'
        ? { rows: state.result.rows, total: state.result.rows, bytes: state.result.bytes }
        : null;
  const percent = p && p.total ? Math.min(100, (p.rows / p.total) * 100) : p && p.total === 0 ? 100 : null;
  const zone = localZone(nowMs);
  const others = view ? otherFilters(view) : null;
  const monthOf = monthLabel;

  return (
    <Modal opened={opened} onClose={running ? cancel : close} title="Export audit entries" centered size="lg" closeOnClickOutside={!running}>
      <Stack gap="md">
        {state.phase === 'choose' && view ? (
          <>
            <Radio.Group label="Entries" value={period} onChange={(v) => setPeriod(v as Period)}>
              <Stack gap={8} mt={6}>
                <Radio value="list" label={`What the list shows (${listRange(view)})`} />
                <Radio value="this" label={`This month (${monthOf(shiftMonth(nowMs, 0))})`} />
                <Radio value="last" label={`Last month (${monthOf(shiftMonth(nowMs, -1))})`} />
                <Group gap="sm" wrap="nowrap" align="center">
                  <Radio value="pick" label="A month:" />
                  <Select
                    aria-label="Month"
                    data={months}
                    value={picked}
                    onChange={(v) => {
                      if (v) {
                        setPicked(v);
                        setPeriod('pick');
                      }
                    }}
                    allowDeselect={false}
                    w={200}
                    size="xs"
                    comboboxProps={{ withinPortal: true }}
                  />
                </Group>
              </Stack>
            </Radio.Group>
            <Text size="xs" c="dimmed" data-testid="export-zone">
              Months are calendar months in UTC, the time zone of the audit log: from 00:00 UTC on the 1st up to 00:00 UTC on the 1st of the next month. Your
              computer is on {zone.name} ({zone.offset}).
              {others ? ` The list's other filters apply too: ${others}.` : ''}
            </Text>
            {chosen && period !== 'list' && (
              <Text size="sm" data-testid="export-range">
                {monthOf(period === 'this' ? shiftMonth(nowMs, 0) : period === 'last' ? shiftMonth(nowMs, -1) : picked)}: {listRange(chosen)}
              </Text>
            )}
            <Radio.Group label="Format" value={format} onChange={(v) => setFormat(v as ExportFormat)}>
              <Stack gap={8} mt={6}>
                <Radio value="csv" label="CSV (for a spreadsheet)" />
                <Radio value="jsonl" label="JSON lines (an audit bundle, verifiable offline)" />
              </Stack>
            </Radio.Group>
          </>
        ) : chosen ? (
          <Text size="sm" data-testid="export-what">
            {FORMAT_LABELS[format]} ·{' '}
            {period === 'list'
              ? 'what the list shows'
              : monthLabel(period === 'this' ? shiftMonth(nowMs, 0) : period === 'last' ? shiftMonth(nowMs, -1) : picked)}{' '}
            ({listRange(chosen)}){others ? ` · ${others}` : ''}
          </Text>
        ) : null}

        <Text size="sm" c="dimmed">
          {format === 'csv'
            ? 'One row per entry, oldest first, for a spreadsheet. Cells that a spreadsheet would run as a formula start with an apostrophe.'
            : filtered
              ? 'A filtered audit bundle: the selected entries, oldest first, and one signature over all of them, made after Tessera recomputed the whole log against its signed checkpoints. “tessera audit verify --bundle FILE --key FINGERPRINT” checks offline that every entry is unchanged, in order and selected by the filter, that none was removed, and says how many of the log’s entries were left out.'
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
          {state.phase === 'choose' ? (
            <>
              <Button variant="default" onClick={close}>
                Close
              </Button>
              <Button onClick={start} data-autofocus>
                Export {FORMAT_LABELS[format]}
              </Button>
            </>
          ) : running ? (
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
