import { Alert, Button, Group, Paper, Text } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage, useTRPC } from '../api/trpc';
import { AuditEntryDrawer } from '../components/audit/AuditEntryDrawer';
import { AuditFilters } from '../components/audit/AuditFilters';
import { AuditList } from '../components/audit/AuditList';
import { filtersOf, hasFilters, readView, writeView, type AuditView } from '../components/audit/auditUrl';
import { ExportModal } from '../components/audit/ExportModal';
import { IntegrityButton, IntegrityResult, useIntegrityCheck } from '../components/audit/IntegrityCheck';
import '../components/audit/audit.css';
import { IconFile, IconList } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, NothingHere, PageLoader } from '../components/common/States';

/** Entries per request: a screenful is about 20, so one page covers plenty of scrolling. */
const PAGE_SIZE = 250;

/**
 * The audit log: filter by time, actor, action, user and outcome (kept in
 * the URL, so a filtered view can be linked to), sort, scroll smoothly
 * through any number of entries, open one, export what is shown, and check
 * the log's integrity. Export asks which entries (the list's, or a UTC
 * month) and the format.
 */
export function AuditPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const { view, ignored } = useMemo(() => readView(params), [params]);
  const filters = filtersOf(view);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState<number | null>(null);
  const [exporting, setExporting] = useState<AuditView | null>(null);
  const integrity = useIntegrityCheck();

  const input = { ...filters, order: view.order, limit: PAGE_SIZE };
  const list = useInfiniteQuery(
    trpc.audit.query.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor,
      staleTime: 30_000,
    }),
  );
  const count = useQuery(trpc.audit.count.queryOptions(filters, { staleTime: 30_000, placeholderData: keepPreviousData }));
  const entries = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const setView = (next: AuditView) => {
    setActive(-1);
    setOpen(null);
    setParams(writeView(next), { replace: false });
  };
  const loadMore = useCallback(() => void list.fetchNextPage(), [list]);
  const refresh = () => {
    setActive(-1);
    void queryClient.resetQueries({ queryKey: trpc.audit.query.infiniteQueryKey(input) });
    void count.refetch();
  };

  const exportButton = (
    <Button leftSection={<IconFile size={16} />} onClick={() => setExporting(view)}>
      Export
    </Button>
  );

  // A failed next page keeps the pages already loaded (the list shows the error at its end).
  const moreError = list.isFetchNextPageError ? errorMessage(list.error) : null;
  const openEntry = open !== null ? (entries[open] ?? null) : null;
  const total = count.data;

  return (
    <div className="audit-page">
      <PageHeader
        title="Audit log"
        description="Every sign-in, verification and change, hash-chained and signed. Times are UTC."
        actions={
          <>
            <IntegrityButton check={integrity} />
            {exportButton}
          </>
        }
      />
      <IntegrityResult check={integrity} />
      {ignored.length > 0 && (
        <Alert color="yellow" variant="light" withCloseButton onClose={() => setView(view)}>
          Ignored a filter in the link that is not valid: {ignored.join(', ')}.
        </Alert>
      )}
      <AuditFilters view={view} onChange={setView} />

      <Group justify="space-between" gap="sm">
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="audit-count">
          {total === undefined
            ? count.isError
              ? 'Could not count the entries'
              : 'Counting…'
            : `${total.toLocaleString('en')} ${total === 1 ? 'entry' : 'entries'}${hasFilters(view) ? ' match' : ''}`}
          {entries.length > 0 && total !== undefined && entries.length < total ? ` · ${entries.length.toLocaleString('en')} loaded` : ''}
        </Text>
        <Group gap="xs">
          <Text size="xs" c="dimmed" visibleFrom="md">
            ↑ ↓ to move, Enter to open
          </Text>
          <Button variant="subtle" size="xs" onClick={refresh}>
            Refresh
          </Button>
        </Group>
      </Group>

      {list.isPending ? (
        <Paper withBorder radius="md" className="audit-list">
          <PageLoader label="Loading audit entries" />
        </Paper>
      ) : list.isError && entries.length === 0 ? (
        <ErrorState error={list.error} title="Could not load the audit log" onRetry={() => void list.refetch()} />
      ) : entries.length === 0 ? (
        <Paper withBorder radius="md">
          <NothingHere
            icon={<IconList size={28} />}
            title={hasFilters(view) ? 'No entries match these filters' : 'The audit log is empty'}
            description={
              hasFilters(view)
                ? 'Widen the time range or clear a filter.'
                : 'Entries appear here as soon as anyone signs in, verifies a code or changes anything.'
            }
          >
            {hasFilters(view) && (
              <Button variant="light" onClick={() => setView({ order: view.order })}>
                Clear filters
              </Button>
            )}
          </NothingHere>
        </Paper>
      ) : (
        <AuditList
          entries={entries}
          active={active}
          onActive={setActive}
          onOpen={setOpen}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          loadMore={loadMore}
          loadError={moreError}
          label={`Audit entries, ${view.order === 'desc' ? 'newest' : 'oldest'} first`}
        />
      )}

      <AuditEntryDrawer
        entry={openEntry}
        onClose={() => setOpen(null)}
        onPrev={
          open !== null && open > 0
            ? () => {
                setOpen(open - 1);
                setActive(open - 1);
              }
            : null
        }
        onNext={
          open !== null && open < entries.length - 1
            ? () => {
                setOpen(open + 1);
                setActive(open + 1);
              }
            : null
        }
        onFilter={(patch) => setView({ ...view, ...patch })}
      />
      <ExportModal view={exporting} onClose={() => setExporting(null)} />
    </div>
  );
}
