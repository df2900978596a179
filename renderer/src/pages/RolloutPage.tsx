import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  FileButton,
  Group,
  Modal,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { MAX_SHEETS_PER_BATCH, SheetBatchResult, type Paper, type SheetBatchStarted, type SheetPlan } from '../../../shared/schemas/sheets';
import { batchDownloadUrl, planSheetBatch, startSheetBatch } from '../api/sheetsHttp';
import { errorMessage, useTRPC } from '../api/trpc';
import { IconFile, IconSearch } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { GroupPicker } from '../components/directory/GroupPicker';
import { defaultPaper, PaperPicker, rememberPaper } from '../components/sheets/PrintSheetButton';
import { IconDownload, IconPrinter } from '../components/sheets/sheetIcons';
import '../components/sheets/sheets.css';
import { formatBytes, formatNumber, plural } from '../lib/format';
import { csvFileProblem, planKey, reasonCounts, replacingCount, reprintCsv, rolloutSelection, type SelectionKind } from './rollout';
import { useJobPoll } from '../lib/useJobPoll';

type Kind = SelectionKind;
const ROW = 40;
const HEAD = 42;
const MAX_TABLE_HEIGHT = 400;

/** A virtualised table (a dry run may list thousands of users). */
function VirtualTable<T>({
  rows,
  className,
  head,
  cells,
  testId,
}: {
  rows: T[];
  className: string;
  head: string[];
  cells: (row: T, index: number) => ReactNode[];
  testId: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10 });
  return (
    <div ref={scrollRef} className="rollout-scroll" data-testid={testId} style={{ height: Math.min(MAX_TABLE_HEIGHT, HEAD + rows.length * ROW + 2) }}>
      <Table className={`rollout-table ${className}`} verticalSpacing={0}>
        <Table.Thead>
          <Table.Tr>
            {head.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody style={{ height: v.getTotalSize() }}>
          {v.getVirtualItems().map((item) => (
            <Table.Tr key={item.key} style={{ height: ROW, transform: `translateY(${item.start}px)` }}>
              {cells(rows[item.index]!, item.index).map((c, i) => (
                <Table.Td key={i}>{c}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** The dry run: who gets a sheet, who is skipped and why. */
function PlanView({ plan }: { plan: SheetPlan }) {
  const [tab, setTab] = useState<'gets' | 'skipped'>(plan.sheets.length > 0 ? 'gets' : 'skipped');
  const replacing = replacingCount(plan);
  return (
    <Stack gap="sm" data-testid="rollout-plan">
      <Group gap="xs" wrap="wrap">
        <Badge color="teal" variant="light" size="lg">
          {plural(plan.sheets.length, 'sheet')} to print
        </Badge>
        <Badge color="gray" variant="light" size="lg">
          {formatNumber(plan.skippedTotal)} skipped
        </Badge>
        {replacing > 0 && (
          <Badge color="yellow" variant="light" size="lg">
            {formatNumber(replacing)} replace an unscanned sheet
          </Badge>
        )}
        {plan.notIncluded > 0 && (
          <Badge color="orange" variant="light" size="lg">
            {formatNumber(plan.notIncluded)} more beyond this batch
          </Badge>
        )}
      </Group>
      {plan.skippedTotal > 0 && (
        <div className="rollout-reasons" aria-label="Why users are skipped">
          {reasonCounts(plan.skipped).map(([reason, n]) => (
            <Badge key={reason} variant="outline" color="gray" tt="none">
              {reason}: {formatNumber(n)}
            </Badge>
          ))}
        </div>
      )}
      {plan.notIncluded > 0 && (
        <Text size="sm" c="dimmed">
          One batch holds at most {formatNumber(MAX_SHEETS_PER_BATCH)} sheets. Generate this one, then run the rollout again: users holding an unscanned sheet
          are skipped, so the next run continues with the rest.
        </Text>
      )}
      {plan.ignoredColumns.length > 0 && (
        <Text size="xs" c="dimmed">
          Ignored CSV columns: {plan.ignoredColumns.join(', ')}
        </Text>
      )}
      <SegmentedControl
        value={tab}
        onChange={(v) => setTab(v as typeof tab)}
        aria-label="Show"
        data={[
          { value: 'gets', label: `Gets a sheet (${formatNumber(plan.sheets.length)})` },
          { value: 'skipped', label: `Skipped (${formatNumber(plan.skippedTotal)})` },
        ]}
      />
      {tab === 'gets' ? (
        plan.sheets.length === 0 ? (
          <Text size="sm" c="dimmed" ta="center" py="lg">
            Nobody in this selection gets a sheet.
          </Text>
        ) : (
          <VirtualTable
            rows={plan.sheets}
            className="gets"
            testId="rollout-gets"
            head={['Page', 'Username', 'Display name', 'Note']}
            cells={(s, i) => [
              <Text size="sm" c="dimmed" span>
                {i + 1}
              </Text>,
              <Text size="sm" span title={s.username}>
                {s.username}
              </Text>,
              <Text size="sm" span>
                {s.displayName ?? '—'}
              </Text>,
              s.replacesPending ? (
                <Text size="xs" c="yellow.9" span>
                  replaces an unscanned sheet
                </Text>
              ) : (
                <Text size="xs" c="dimmed" span>
                  new
                </Text>
              ),
            ]}
          />
        )
      ) : plan.skippedTotal === 0 ? (
        <Text size="sm" c="dimmed" ta="center" py="lg">
          Nobody is skipped.
        </Text>
      ) : (
        <Stack gap={4}>
          <VirtualTable
            rows={plan.skipped}
            className="skipped"
            testId="rollout-skipped"
            head={['#', 'CSV line', 'Username', 'Reason']}
            cells={(s, i) => [
              <Text size="sm" c="dimmed" span>
                {i + 1}
              </Text>,
              <Text size="sm" c="dimmed" span>
                {s.row ?? '—'}
              </Text>,
              <Text size="sm" span title={s.username ?? undefined}>
                {s.username ?? '(empty)'}
              </Text>,
              <Text size="sm" span>
                {s.reason}
              </Text>,
            ]}
          />
          {plan.skipped.length < plan.skippedTotal && (
            <Text size="xs" c="dimmed">
              The list shows the first {formatNumber(plan.skipped.length)} skipped users; the count covers all.
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}

/**
 * Enrollment sheet rollout (admins): choose who gets a sheet — a CSV of
 * users, a search, everyone without an active factor, or the members of a
 * directory group without one — and the paper;
 * a dry run lists who gets one and who is skipped and why; Generate issues
 * the sheets as a server job (a new pending authenticator app per user, each
 * audited) with progress and Cancel; then download one PDF, a page per user.
 */
export function RolloutPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>('withoutFactor');
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [query, setQuery] = useState('');
  const [group, setGroup] = useState<string | null>(null);
  const [reissuePending, setReissuePending] = useState(false);
  const [paper, setPaper] = useState<Paper>(defaultPaper);
  const [plan, setPlan] = useState<{ key: string; plan: SheetPlan } | null>(null);
  const [planning, setPlanning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [starting, setStarting] = useState(false);
  const [started, setStarted] = useState<SheetBatchStarted | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const selection = rolloutSelection(kind, csv, query, group);
  const key = useMemo(() => planKey(selection, reissuePending), [selection, reissuePending]);
  const currentPlan = plan && plan.key === key ? plan.plan : null;

  const job = useJobPoll(started?.jobId ?? null, 300);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void job.refetch() }));
  const status = started ? (job.data ?? null) : null;
  const finished = status && status.state !== 'running' ? status : null;
  const result = finished ? SheetBatchResult.safeParse(finished.result) : null;
  const running = started !== null && !finished;

  useEffect(() => {
    if (finished) {
      void queryClient.invalidateQueries(trpc.users.pathFilter());
      void queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter());
      void queryClient.invalidateQueries(trpc.directory.groups.pathFilter());
    }
  }, [finished, queryClient, trpc]);

  const chooseFile = async (file: File | null) => {
    if (!file) return;
    setError(null);
    const problem = csvFileProblem(file);
    if (problem) {
      setError(problem);
      return;
    }
    setCsv({ name: file.name, text: await file.text() });
  };

  const dryRun = async () => {
    if (!selection) return;
    abortRef.current?.abort();
    const controller = new AbortController();
    abortRef.current = controller;
    setPlanning(true);
    setError(null);
    try {
      const p = await planSheetBatch({ selection, paper, reissuePending }, controller.signal);
      setPlan({ key, plan: p });
    } catch (err) {
      if (!controller.signal.aborted) setError(errorMessage(err));
    } finally {
      if (abortRef.current === controller) setPlanning(false);
    }
  };

  const generate = async () => {
    if (!selection) return;
    setStarting(true);
    setError(null);
    rememberPaper(paper);
    try {
      setStarted(await startSheetBatch({ selection, paper, reissuePending }));
      setConfirming(false);
    } catch (err) {
      setError(errorMessage(err));
      setConfirming(false);
    } finally {
      setStarting(false);
    }
  };

  const startOver = () => {
    setStarted(null);
    setPlan(null);
    setError(null);
  };
  // Every way a job ends offers the next rollout.
  const newRollout = (
    <Button variant="default" onClick={startOver}>
      New rollout
    </Button>
  );

  /** After a cancel: the users whose sheets were issued but not delivered, ready for a reprint. */
  const reprintIssued = (usernames: string[]) => {
    setCsv(reprintCsv(usernames));
    setKind('csv');
    setReissuePending(true);
    setStarted(null);
    setPlan(null);
  };

  const locked = running || planning;
  const replacing = replacingCount(currentPlan);

  return (
    <>
      <PageHeader
        title="Enrollment sheet rollout"
        description="Print QR enrollment sheets for many users at once: one PDF, a page per user. Each sheet sets up a new authenticator app that becomes active at its first code."
      />
      <Stack gap="lg" maw={1000}>
        <Card withBorder padding="lg" radius="md">
          <Stack gap="md">
            <Title order={4}>1. Who gets a sheet</Title>
            <SegmentedControl
              value={kind}
              disabled={locked || started !== null}
              onChange={(v) => setKind(v as Kind)}
              aria-label="Who gets a sheet"
              data={[
                { value: 'withoutFactor', label: 'Everyone without an active factor' },
                { value: 'csv', label: 'Users from a CSV file' },
                { value: 'search', label: 'Users matching a search' },
                { value: 'group', label: 'A directory group' },
              ]}
            />
            {kind === 'withoutFactor' && (
              <Text size="sm" c="dimmed">
                Every user who has no active factor yet. Users who already have an authenticator app or an unscanned sheet are skipped.
              </Text>
            )}
            {kind === 'csv' && (
              <Group gap="sm" align="center">
                <FileButton onChange={(f) => void chooseFile(f)} accept=".csv,text/csv" disabled={locked || started !== null}>
                  {(props) => (
                    <Button {...props} variant="light" leftSection={<IconFile size={16} />} data-testid="rollout-choose-csv">
                      {csv ? 'Choose another file' : 'Choose a CSV file'}
                    </Button>
                  )}
                </FileButton>
                <Text size="sm" c={csv ? undefined : 'dimmed'}>
                  {csv ? csv.name : 'A header row naming a username column; the user import file works as is.'}
                </Text>
              </Group>
            )}
            {kind === 'group' && <GroupPicker value={group} onChange={setGroup} disabled={locked || started !== null} />}
            {kind === 'search' && (
              <TextInput
                label="Search"
                description="Username, display name or email contains this (the Users page search)"
                placeholder="e.g. @sales.example.com"
                leftSection={<IconSearch size={16} />}
                value={query}
                onChange={(e) => setQuery(e.currentTarget.value)}
                disabled={locked || started !== null}
                maxLength={128}
              />
            )}
            <Checkbox
              checked={reissuePending}
              onChange={(e) => setReissuePending(e.currentTarget.checked)}
              disabled={locked || started !== null}
              label="Also reprint for users whose sheet has not been scanned yet"
              description="They get a new secret and their old sheet stops working. Leave this off to run a rollout again without voiding sheets already handed out."
            />
          </Stack>
        </Card>

        <Card withBorder padding="lg" radius="md">
          <Stack gap="md">
            <Title order={4}>2. Paper</Title>
            <PaperPicker value={paper} onChange={setPaper} />
          </Stack>
        </Card>

        {error && (
          <Alert color="red" variant="light" role="alert" title="That did not work">
            {error}
          </Alert>
        )}

        {started === null && (
          <Card withBorder padding="lg" radius="md">
            <Stack gap="md">
              <Title order={4}>3. Check, then generate</Title>
              <Group gap="sm">
                <Button variant="default" onClick={() => void dryRun()} loading={planning} disabled={!selection}>
                  Dry run
                </Button>
                <Button
                  leftSection={<IconPrinter size={16} />}
                  onClick={() => setConfirming(true)}
                  disabled={!currentPlan || currentPlan.sheets.length === 0 || planning}
                >
                  {currentPlan && currentPlan.sheets.length > 0 ? `Generate ${plural(currentPlan.sheets.length, 'sheet')}` : 'Generate sheets'}
                </Button>
              </Group>
              {!currentPlan && (
                <Text size="sm" c="dimmed">
                  The dry run lists who gets a sheet and who is skipped, and why. It changes nothing.
                </Text>
              )}
              {currentPlan && <PlanView key={key} plan={currentPlan} />}
            </Stack>
          </Card>
        )}

        {started !== null && (
          <Card withBorder padding="lg" radius="md" data-testid="rollout-job">
            <Stack gap="md">
              <Title order={4}>{running ? 'Generating sheets…' : 'Sheets'}</Title>
              {running && (
                <>
                  <Progress value={status && status.total > 0 ? (status.done / status.total) * 100 : 0} size="lg" striped animated aria-label="Progress" />
                  <Group justify="space-between">
                    <Text size="sm" className="rollout-progress-label" data-testid="rollout-progress">
                      {formatNumber(status?.done ?? 0)} of {formatNumber(status?.total ?? started.total)} · {status?.message ?? 'starting'}
                    </Text>
                    <Button variant="default" color="red" onClick={() => cancel.mutate({ id: started.jobId })} loading={cancel.isPending}>
                      Cancel
                    </Button>
                  </Group>
                  <Text size="xs" c="dimmed">
                    Cancelling stops between pages. Sheets issued up to then stay issued and are in the audit log; the unfinished file is deleted.
                  </Text>
                </>
              )}
              {finished?.state === 'done' && result?.success && (
                <Stack gap="sm">
                  <Alert color="teal" variant="light" title={`${plural(result.data.pages, 'sheet')} ready`}>
                    <Stack gap={6}>
                      <Text size="sm">
                        One PDF ({formatBytes(result.data.bytes)}), a page per user. It holds every user&apos;s secret: print it, hand each sheet to its user,
                        then delete the file. The server deletes its copy after 30 minutes.
                      </Text>
                      <Text size="sm">Each sheet works until its date is past; a user finishes by signing in with the first code.</Text>
                    </Stack>
                  </Alert>
                  {result.data.skippedLate.length > 0 && (
                    <Alert color="gray" variant="light" title={`${plural(result.data.skippedLate.length, 'user')} skipped while generating`}>
                      {result.data.skippedLate.map((s) => `${s.username} (${s.reason})`).join(', ')}
                    </Alert>
                  )}
                  <Group gap="sm">
                    <Button
                      component="a"
                      href={batchDownloadUrl(started.jobId)}
                      download
                      leftSection={<IconDownload size={16} />}
                      data-testid="rollout-download"
                    >
                      Download PDF
                    </Button>
                    {newRollout}
                  </Group>
                </Stack>
              )}
              {finished?.state === 'done' && finished.elsewhere && (
                // Several nodes: this page asked a node other than the one that made the file (it stays there).
                <Stack gap="sm">
                  <Alert color="yellow" variant="light" title="The sheets are ready on another node" role="alert" data-testid="rollout-elsewhere">
                    {finished.elsewhere.message}
                  </Alert>
                  <Group gap="sm">{newRollout}</Group>
                </Stack>
              )}
              {finished?.state === 'cancelled' && (
                <Stack gap="sm">
                  <Alert color="yellow" variant="light" title="Cancelled">
                    <Stack gap={6}>
                      <Text size="sm">
                        {finished.elsewhere
                          ? `The batch ran on node ${finished.elsewhere.node}; the sheets it issued before you cancelled stay issued and are in`
                          : `${plural(result?.success ? result.data.issued : 0, 'sheet was', 'sheets were')} issued before you cancelled. They stay issued and are in`}
                        the audit log, but the unfinished file was deleted, so nobody holds those sheets: their pending enrollments expire on their own, or
                        print them again.
                      </Text>
                    </Stack>
                  </Alert>
                  <Group gap="sm">
                    {result?.success && result.data.issuedUsernames && result.data.issuedUsernames.length > 0 && (
                      <Button variant="light" onClick={() => reprintIssued(result.data.issuedUsernames!)}>
                        Prepare a reprint for these {plural(result.data.issuedUsernames.length, 'user')}
                      </Button>
                    )}
                    {newRollout}
                  </Group>
                </Stack>
              )}
              {finished?.state === 'failed' && (
                <Stack gap="sm">
                  <Alert color="red" variant="light" title="Generating the sheets failed" role="alert">
                    {finished.message}
                  </Alert>
                  <Group>
                    {newRollout}
                    <Button variant="subtle" component={Link} to="/audit?action=sheet.issue">
                      See issued sheets in the audit log
                    </Button>
                  </Group>
                </Stack>
              )}
            </Stack>
          </Card>
        )}
      </Stack>

      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={<Text fw={600}>Generate {currentPlan ? plural(currentPlan.sheets.length, 'sheet') : 'sheets'}?</Text>}
        centered
      >
        <Stack gap="md">
          <Text size="sm">
            Each sheet issues a new secret for its user&apos;s authenticator app and is recorded in the audit log. A user becomes protected by it at their first
            code.
          </Text>
          {replacing > 0 && (
            <Alert color="yellow" variant="light">
              {plural(replacing, 'user has', 'users have')} a sheet that has not been scanned yet: it stops working and this one replaces it.
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setConfirming(false)} disabled={starting}>
              Cancel
            </Button>
            <Button onClick={() => void generate()} loading={starting}>
              Generate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
