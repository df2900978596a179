import { Button, Group, Loader, Paper, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { auditActionLabel, auditReasonText } from '../../../../shared/auditActions';
import type { AuditEntry } from '../../../../shared/schemas/audit';
import { ACTOR_KIND_LABELS, formatUtc, OutcomeBadge } from './outcome';
import './audit.css';

export const ROW_HEIGHT = 40;
/** The sticky column header inside the scroller (audit.css gives it this height). */
const HEAD_HEIGHT = 36;
/** Start loading the next page when the last rendered row is this close to the end of what is loaded. */
const PREFETCH_ROWS = 60;

const COLUMNS = ['#', 'Time (UTC)', 'Actor', 'Action', 'User', 'Outcome', 'Reason', 'IP address'];

/**
 * The entries, virtualised: only the rows in view (plus a few) are in the
 * DOM, so scrolling stays smooth however many pages are loaded; nearing the
 * end loads the next page. A grid you can drive with the keyboard: the
 * arrows, Page Up/Down, Home/End move the highlighted row, Enter opens it.
 */
export function AuditList({
  entries,
  active,
  onActive,
  onOpen,
  hasMore,
  loadingMore,
  loadMore,
  loadError,
  label,
}: {
  entries: AuditEntry[];
  active: number;
  onActive: (index: number) => void;
  onOpen: (index: number) => void;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  loadError: string | null;
  label: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = entries.length + (hasMore || loadError ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The rows start below the sticky header, and scrolling a row into view must not hide it under the header.
    scrollMargin: HEAD_HEIGHT,
    scrollPaddingStart: HEAD_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : 0;

  useEffect(() => {
    if (hasMore && !loadingMore && !loadError && lastIndex >= entries.length - PREFETCH_ROWS) loadMore();
  }, [lastIndex, entries.length, hasMore, loadingMore, loadError, loadMore]);

  // Keep the highlighted row in view when the keyboard moves it.
  useEffect(() => {
    if (active >= 0 && active < entries.length) virtualizer.scrollToIndex(active, { align: 'auto' });
  }, [active, entries.length, virtualizer]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const last = entries.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: Math.min(last, active + 1),
      ArrowUp: Math.max(0, active - 1),
      PageDown: Math.min(last, active + page),
      PageUp: Math.max(0, active - page),
      Home: 0,
      End: last,
    };
    if (e.key in moves && last >= 0) {
      e.preventDefault();
      onActive(moves[e.key]!);
    } else if ((e.key === 'Enter' || e.key === ' ') && active >= 0 && active <= last) {
      e.preventDefault();
      onOpen(active);
    }
  };

  const activeEntry = active >= 0 ? entries[active] : undefined;

  return (
    <Paper withBorder radius="md" className="audit-list">
      <div
        ref={scrollRef}
        className="audit-scroll"
        role="grid"
        aria-label={label}
        aria-rowcount={-1}
        aria-activedescendant={activeEntry ? `audit-row-${activeEntry.seq}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onFocus={() => active < 0 && entries.length > 0 && onActive(0)}
      >
        <div role="rowgroup" className="audit-headgroup">
          <div className="audit-row audit-head" role="row" aria-rowindex={1}>
            {COLUMNS.map((c) => (
              <div key={c} role="columnheader" className="audit-cell">
                {c}
              </div>
            ))}
          </div>
        </div>
        <div className="audit-sizer" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const e = entries[item.index];
            if (!e) {
              return (
                <div key="more" className="audit-row audit-more" style={{ transform: `translateY(${item.start - HEAD_HEIGHT}px)` }} role="row">
                  <div role="gridcell" className="audit-cell">
                    {loadError ? (
                      <Group gap="sm">
                        <Text size="sm" c="red">
                          Could not load more: {loadError}
                        </Text>
                        <Button size="compact-xs" variant="light" onClick={loadMore}>
                          Try again
                        </Button>
                      </Group>
                    ) : (
                      <Group gap="xs">
                        <Loader size="xs" />
                        <Text size="sm" c="dimmed">
                          Loading more entries…
                        </Text>
                      </Group>
                    )}
                  </div>
                </div>
              );
            }
            return (
              <div
                key={e.seq}
                id={`audit-row-${e.seq}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === active}
                data-active={item.index === active || undefined}
                data-outcome={e.outcome}
                className="audit-row audit-entry"
                style={{ transform: `translateY(${item.start - HEAD_HEIGHT}px)` }}
                onClick={() => {
                  onActive(item.index);
                  onOpen(item.index);
                }}
              >
                <div role="gridcell" className="audit-cell mono audit-seq">
                  {e.seq.toLocaleString('en')}
                </div>
                <div role="gridcell" className="audit-cell mono">
                  {formatUtc(e.at)}
                </div>
                <div role="gridcell" className="audit-cell" title={`${ACTOR_KIND_LABELS[e.actor.kind]}: ${e.actor.name ?? '—'}`}>
                  <span className="audit-kind" data-kind={e.actor.kind} aria-hidden="true" />
                  <span className="truncate">{e.actor.name ?? '—'}</span>
                </div>
                <div role="gridcell" className="audit-cell mono" title={auditActionLabel(e.action)}>
                  <span className="truncate">{e.action}</span>
                </div>
                <div role="gridcell" className="audit-cell">
                  <span className="truncate">{e.user ?? ''}</span>
                </div>
                <div role="gridcell" className="audit-cell">
                  <OutcomeBadge outcome={e.outcome} />
                </div>
                <div role="gridcell" className="audit-cell" title={e.reason ? auditReasonText(e.action, e.reason) : undefined}>
                  <span className="truncate">{e.reason ?? ''}</span>
                </div>
                <div role="gridcell" className="audit-cell mono">
                  <span className="truncate">{e.ip ?? ''}</span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </Paper>
  );
}
