import { Autocomplete, Button, Group, Menu, Paper, SegmentedControl, Select, Stack, TextInput, type AutocompleteProps } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../api/trpc';
import { IconClock } from '../common/icons';
import { hasFilters, inputToIso, isoToInput, type AuditView } from './auditUrl';

/**
 * A text filter that applies itself after a short pause in typing (or at
 * once on Enter or leaving the field), so the list does not reload on every
 * keystroke; it follows the URL when that changes under it.
 */
function useTextFilter(value: string | undefined, apply: (v: string | undefined) => void) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const commit = (v: string) => {
    const next = v.trim() === '' ? undefined : v.trim();
    if (next !== value) apply(next);
  };
  const debounced = useDebouncedCallback(commit, 400);
  return {
    value: text,
    onChange: (v: string) => {
      setText(v);
      debounced(v);
    },
    flush: () => {
      debounced.cancel();
      commit(text);
    },
  };
}

type TextFilter = ReturnType<typeof useTextFilter>;

const enterApplies = (f: { flush: () => void }) => (e: React.KeyboardEvent) => {
  if (e.key === 'Enter') f.flush();
};

/** A text filter with suggestions: picking one applies it at once. */
function FilterAutocomplete({
  filter,
  onPick,
  ...props
}: { filter: TextFilter; onPick: (v: string) => void } & Pick<AutocompleteProps, 'label' | 'placeholder' | 'data' | 'w' | 'limit'>) {
  return (
    <Autocomplete
      {...props}
      value={filter.value}
      onChange={filter.onChange}
      onOptionSubmit={onPick}
      onBlur={filter.flush}
      onKeyDown={enterApplies(filter)}
      size="sm"
    />
  );
}

/** A UTC date and time of the range; the URL keeps it as ISO. */
function TimeInput({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string | undefined;
  onChange: (iso: string | undefined) => void;
  error?: string | undefined;
}) {
  return (
    <TextInput
      type="datetime-local"
      label={label}
      value={isoToInput(value)}
      onChange={(e) => onChange(inputToIso(e.currentTarget.value))}
      w={200}
      size="sm"
      error={error}
    />
  );
}

const QUICK_RANGES: { label: string; ms: number }[] = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
  { label: 'Last 30 days', ms: 30 * 86_400_000 },
];

/** Time range, actor, action, user, outcome and sort for the audit list. Every change goes into the URL. */
export function AuditFilters({ view, onChange }: { view: AuditView; onChange: (next: AuditView) => void }) {
  const trpc = useTRPC();
  const actions = useQuery(trpc.audit.actions.queryOptions(undefined, { staleTime: 60_000 }));
  const operators = useQuery(trpc.operators.list.queryOptions(undefined, { staleTime: 60_000 }));
  const apiKeys = useQuery(trpc.apiKeys.list.queryOptions(undefined, { staleTime: 60_000 }));
  const actorNames = [...new Set([...(operators.data ?? []).map((o) => o.username), ...(apiKeys.data ?? []).map((k) => k.name), 'tessera'])].sort();

  const set = (patch: Partial<AuditView>) => onChange({ ...view, ...patch });
  const actor = useTextFilter(view.actor, (v) => set({ actor: v }));
  const action = useTextFilter(view.action, (v) => set({ action: v }));
  const user = useTextFilter(view.user, (v) => set({ user: v }));

  return (
    <Paper withBorder radius="md" p="sm" component="section" aria-label="Filters">
      <Stack gap="xs">
        <Group gap="sm" align="flex-end" justify="space-between" wrap="wrap">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TimeInput label="From (UTC)" value={view.from} onChange={(from) => set({ from })} />
            <TimeInput
              label="Until (UTC)"
              value={view.to}
              onChange={(to) => set({ to })}
              error={view.from && view.to && view.to <= view.from ? 'Before the start' : undefined}
            />
            <Menu position="bottom-start" shadow="md">
              <Menu.Target>
                <Button variant="default" size="sm" leftSection={<IconClock size={16} />} aria-label="Quick time range">
                  Range
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {QUICK_RANGES.map((r) => (
                  <Menu.Item key={r.label} onClick={() => set({ from: new Date(Date.now() - r.ms).toISOString(), to: undefined })}>
                    {r.label}
                  </Menu.Item>
                ))}
                <Menu.Divider />
                <Menu.Item onClick={() => set({ from: undefined, to: undefined })}>Any time</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
          <SegmentedControl
            aria-label="Sort"
            data={[
              { value: 'desc', label: 'Newest first' },
              { value: 'asc', label: 'Oldest first' },
            ]}
            value={view.order}
            onChange={(v) => set({ order: v as AuditView['order'] })}
            size="sm"
          />
        </Group>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <FilterAutocomplete
            label="Actor"
            placeholder="Operator or API client"
            data={actorNames}
            filter={actor}
            onPick={(v) => set({ actor: v })}
            w={200}
            limit={20}
          />
          <FilterAutocomplete
            label="Action"
            placeholder="e.g. verify"
            data={actions.data ?? []}
            filter={action}
            onPick={(v) => set({ action: v })}
            w={180}
            limit={50}
          />
          <TextInput
            label="User"
            placeholder="Username"
            value={user.value}
            onChange={(e) => user.onChange(e.currentTarget.value)}
            onBlur={user.flush}
            onKeyDown={enterApplies(user)}
            w={200}
            size="sm"
          />
          <Select
            label="Outcome"
            data={[
              { value: 'any', label: 'Any outcome' },
              { value: 'success', label: 'Success' },
              { value: 'failure', label: 'Failure' },
              { value: 'denied', label: 'Denied' },
            ]}
            value={view.outcome ?? 'any'}
            onChange={(v) => set({ outcome: v === null || v === 'any' ? undefined : (v as AuditView['outcome']) })}
            allowDeselect={false}
            w={160}
            size="sm"
          />
          {hasFilters(view) && (
            <Button variant="subtle" size="sm" onClick={() => onChange({ order: view.order })}>
              Clear filters
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
