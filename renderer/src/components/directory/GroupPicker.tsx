import { Anchor, Group, Select, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { DirectoryGroupView } from '../../../../shared/schemas/directory';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatNumber, plural } from '../../lib/format';

/**
 * Picks a directory group for a rollout: a typeahead over the groups the
 * last directory sync stored (the server searches by name), each shown with
 * how many of its enabled members have no active factor; under it, the
 * chosen group's numbers, fresh from the server (they are who the dry run
 * plans sheets for).
 */
export function GroupPicker({ value, onChange, disabled }: { value: string | null; onChange: (group: string | null) => void; disabled?: boolean }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState(value ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 150);
  // While the box shows the chosen name, list every group again (a search for exactly that name would hide the others).
  const query = value !== null && debounced === value ? '' : debounced;
  const list = useQuery({ ...trpc.directory.groups.queryOptions({ query }), placeholderData: (prev) => prev });
  const chosen = useQuery({ ...trpc.directory.groups.queryOptions({ query: value ?? '' }), enabled: value !== null });
  const picked: DirectoryGroupView | null = value === null ? null : (chosen.data?.find((g) => g.name.toLowerCase() === value.toLowerCase()) ?? null);

  const groups = list.data ?? [];
  const byName = new Map(groups.map((g) => [g.name, g]));
  if (picked) byName.set(picked.name, picked);
  const data = [...byName.values()].map((g) => ({ value: g.name, label: g.name }));
  const none = list.isSuccess && query === '' && groups.length === 0 && value === null;

  return (
    <>
      <Select
        label="Directory group"
        description="Type to search the groups the last directory sync read."
        placeholder="e.g. VPN-Users"
        searchable
        clearable
        data={data}
        value={value}
        searchValue={search}
        onSearchChange={setSearch}
        onChange={(v) => onChange(v)}
        // The server has already searched: show what it answered, not a second filter of it.
        filter={({ options }) => options}
        nothingFoundMessage={list.isFetching ? 'Searching…' : 'No group by that name'}
        renderOption={({ option }) => {
          const g = byName.get(option.value);
          return (
            <Group justify="space-between" wrap="nowrap" w="100%" gap="sm">
              <Text size="sm">{option.label}</Text>
              {g && (
                <Text size="xs" c="dimmed">
                  {formatNumber(g.withoutFactor)} without a factor
                </Text>
              )}
            </Group>
          );
        }}
        disabled={disabled}
        maxLength={256}
        error={list.isError ? errorMessage(list.error) : undefined}
        data-testid="rollout-group"
      />
      {none && (
        <Text size="sm" c="dimmed">
          No directory groups yet: set up the directory and run a sync on the{' '}
          <Anchor component={Link} to="/directory">
            Directory
          </Anchor>{' '}
          page. The groups come from there.
        </Text>
      )}
      {value !== null && picked && (
        <Text size="sm" data-testid="rollout-group-count">
          {picked.withoutFactor === 0
            ? `Everyone in ${picked.name} (${plural(picked.members, 'enabled member')}) already has an active factor.`
            : `${plural(picked.withoutFactor, 'user', 'users')} in ${picked.name} ${picked.withoutFactor === 1 ? 'has' : 'have'} no active factor (of ${plural(picked.members, 'enabled member')}): the dry run plans a sheet for each.`}
        </Text>
      )}
      {value !== null && chosen.isSuccess && !picked && (
        <Text size="sm" c="red" role="alert">
          No group {value} in the directory any more (the last sync did not find it).
        </Text>
      )}
    </>
  );
}
