import { Anchor, Badge, Button, Checkbox, Group, Loader, Stack, Switch, Table, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useTRPC, useTRPCClient } from '../api/trpc';
import { IconPlus, IconSearch, IconUpload, IconUsers } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, NothingHere } from '../components/common/States';
import { CreateUserModal } from '../components/users/CreateUserModal';
import { ImportUsersModal } from '../components/users/ImportUsersModal';
import { BulkActions } from '../components/users/BulkActions';
import { clickSort, STATUS_COLORS, statusHint, statusLabel, viewOf, writeView, type UsersListView } from '../components/users/usersListView';
import type { UserSort, UserSummary } from '../../../shared/schemas/users';
import { formatAgo, formatDate, formatDateTime, formatNumber, plural } from '../lib/format';
import { useCan } from '../lib/session';
import '../components/users/users.css';
import '../components/users/usersList.css';

const PAGE = 100;
const ROW_HEIGHT = 44;

/**
 * Users: instant search by username, display name or email (accents and case
 * folded; debounced, keyset pages loaded as you scroll, rows virtualised so
 * 100,000 users stay fast), filters for users without an active factor and for
 * locked or throttled users, a status column, sorting by the column headers,
 * a selection for bulk actions (helpdesk and admins), create and CSV import
 * for admins. The address holds the search, the filters and the sort.
 */
export function UsersPage() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const canAdmin = useCan('admin');
  const canSelect = useCan('helpdesk');
  const [params, setParams] = useSearchParams();
  const { pathname } = useLocation();
  const [query, setQuery] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(query.trim(), 150);
  // Mirrored in state so the switch flips at once (the address changes in a transition).
  const inAddress = params.get('withoutFactor') === '1';
  const [withoutFactor, setWithoutFactor] = useState(inAddress);
  useEffect(() => setWithoutFactor(inAddress), [inAddress]);
  const lockedInAddress = params.get('locked') === '1';
  const [locked, setLocked] = useState(lockedInAddress);
  useEffect(() => setLocked(lockedInAddress), [lockedInAddress]);
  const view = viewOf(params);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);

  // The address holds the search and the filter, so a filtered list can be linked to and survives a reload.
  // Read the current address at the time of the change: two quick changes must not undo each other.
  // A click on a user pushes their page at once but renders it in a transition, so a debounced search
  // landing in between would replace that page with this list: once the address has left, leave it.
  const updateParams = useCallback(
    (change: (p: URLSearchParams) => void) => {
      if (window.location.pathname !== pathname) return;
      const next = new URLSearchParams(window.location.search);
      change(next);
      setParams(next, { replace: true });
    },
    [setParams, pathname],
  );
  useEffect(() => {
    if ((new URLSearchParams(window.location.search).get('q') ?? '') !== debounced) updateParams((p) => (debounced ? p.set('q', debounced) : p.delete('q')));
  }, [debounced, updateParams]);

  // Keyset pages by hand: tRPC's infiniteQueryOptions adds a `direction` field that the strict input schema refuses.
  const client = useTRPCClient();
  const input = {
    query: debounced,
    limit: PAGE,
    ...(withoutFactor ? { withoutFactor: true } : {}),
    ...(locked ? { locked: true } : {}),
    ...(view.sort !== 'username' || view.order !== 'asc' ? { sort: view.sort, order: view.order } : {}),
  };
  const list = useInfiniteQuery({
    queryKey: [...trpc.users.list.queryKey(input), 'pages'],
    queryFn: ({ pageParam, signal }) => client.users.list.query({ ...input, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : -1;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastIndex, rows.length, list]);
  // A new search, filter or order starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [debounced, withoutFactor, locked, view.sort, view.order]);

  const toggleWithoutFactor = (on: boolean) => {
    setWithoutFactor(on);
    updateParams((p) => (on ? p.set('withoutFactor', '1') : p.delete('withoutFactor')));
  };
  const toggleLocked = (on: boolean) => {
    setLocked(on);
    updateParams((p) => (on ? p.set('locked', '1') : p.delete('locked')));
  };
  const sortBy = (sort: UserSort) => updateParams((p) => writeView(p, clickSort(view, sort)));
  const toggleOne = (username: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(username);
      else next.delete(username);
      return next;
    });
  const allLoaded = rows.length > 0 && rows.every((u) => selected.has(u.username));
  const someLoaded = rows.some((u) => selected.has(u.username));
  const toggleAll = (on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      for (const u of rows) {
        if (on) next.add(u.username);
        else next.delete(u.username);
      }
      return next;
    });
  const filtered = !!debounced || withoutFactor || locked;

  // Unfiltered, the total comes from users.count; a search shows how many have loaded so far.
  const totals = useQuery({ ...trpc.users.count.queryOptions(), enabled: !filtered, staleTime: 30_000 });
  const countText = !list.data
    ? ' '
    : !filtered && totals.data
      ? plural(totals.data.users, 'user')
      : `${formatNumber(rows.length)}${list.hasNextPage ? '+' : ''} ${rows.length === 1 && !list.hasNextPage ? 'user' : 'users'}${filtered ? ' match' : ''}`;

  let body: React.ReactNode;
  if (list.isError) {
    body = <ErrorState error={list.error} title="Could not load users" onRetry={() => void list.refetch()} />;
  } else if (list.isPending) {
    body = (
      <Group justify="center" py="xl">
        <Loader aria-label="Loading users" />
      </Group>
    );
  } else if (rows.length === 0 && list.hasNextPage) {
    // A common substring is walked in bounded steps: the first pages may hold nobody yet, and more are on their way.
    body = (
      <Group justify="center" py="xl" gap="xs">
        <Loader size="sm" aria-label="Searching more users" />
        <Text size="sm" c="dimmed">
          Searching…
        </Text>
      </Group>
    );
  } else if (rows.length === 0) {
    body = debounced ? (
      <NothingHere
        icon={<IconSearch size={26} />}
        title={`No users match “${debounced}”`}
        description="Search looks at usernames, display names and email addresses."
      >
        <Button variant="default" onClick={() => setQuery('')}>
          Clear the search
        </Button>
      </NothingHere>
    ) : locked ? (
      <NothingHere icon={<IconUsers size={26} />} title="Nobody is locked or throttled" description="Every user can sign in now (or is disabled).">
        <Button variant="default" onClick={() => toggleLocked(false)}>
          Show all users
        </Button>
      </NothingHere>
    ) : withoutFactor ? (
      <NothingHere icon={<IconUsers size={26} />} title="Every user has an active factor" description="Nobody is waiting to enroll.">
        <Button variant="default" onClick={() => toggleWithoutFactor(false)}>
          Show all users
        </Button>
      </NothingHere>
    ) : (
      <NothingHere
        icon={<IconUsers size={26} />}
        title="No users yet"
        description={
          canAdmin
            ? 'Create users one by one, import a CSV file, or let an application provision them through the REST API.'
            : 'Users appear here when an administrator or an application adds them.'
        }
      >
        {canAdmin && (
          <>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
              Create a user
            </Button>
            <Button variant="default" leftSection={<IconUpload size={16} />} onClick={() => setImporting(true)}>
              Import CSV
            </Button>
          </>
        )}
      </NothingHere>
    );
  } else {
    body = (
      <div ref={scrollRef} className="vt-scroll users-scroll" data-testid="users-scroll">
        <Table
          className={`vt vt-userlist${canSelect ? ' vt-userlist-select' : ''}`}
          verticalSpacing={0}
          highlightOnHover={false}
          aria-rowcount={rows.length + 1}
        >
          <Table.Thead>
            <Table.Tr>
              {canSelect && (
                <Table.Th>
                  <Checkbox
                    aria-label="Select every loaded user"
                    checked={allLoaded}
                    indeterminate={someLoaded && !allLoaded}
                    onChange={(e) => toggleAll(e.currentTarget.checked)}
                  />
                </Table.Th>
              )}
              <SortHeader label="Username" sort="username" view={view} onSort={sortBy} />
              <SortHeader label="Display name" sort="name" view={view} onSort={sortBy} />
              <Table.Th>Email</Table.Th>
              <Table.Th>Status</Table.Th>
              <SortHeader label="Last sign-in" sort="lastSignIn" view={view} onSort={sortBy} />
              <SortHeader label="Created" sort="created" view={view} onSort={sortBy} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody style={{ height: virtualizer.getTotalSize() }}>
            {items.map((v) => {
              const u = rows[v.index]!;
              const href = `/users/${encodeURIComponent(u.username)}`;
              return (
                <Table.Tr
                  key={u.username}
                  data-href={href}
                  aria-rowindex={v.index + 2}
                  style={{ height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                  data-selected={selected.has(u.username) || undefined}
                  onClick={(e) => {
                    if (!(e.target as HTMLElement).closest('a, input, label, .users-select')) void navigate(href);
                  }}
                >
                  {canSelect && (
                    <Table.Td className="users-select">
                      <Checkbox
                        aria-label={`Select ${u.username}`}
                        checked={selected.has(u.username)}
                        onChange={(e) => toggleOne(u.username, e.currentTarget.checked)}
                      />
                    </Table.Td>
                  )}
                  <Table.Td title={u.username}>
                    <Group gap={6} wrap="nowrap">
                      <Anchor component={Link} to={href} fw={500} size="sm" className="truncate">
                        {u.username}
                      </Anchor>
                      {u.source === 'directory' && (
                        <Badge
                          color="indigo"
                          variant="light"
                          size="xs"
                          style={{ flexShrink: 0 }}
                          title="From the directory: name, email and phone come from there"
                        >
                          Directory
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td title={u.displayName ?? undefined}>
                    <Text size="sm" span c={u.displayName ? undefined : 'dimmed'}>
                      {u.displayName ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td title={u.email ?? undefined}>
                    <Text size="sm" span c={u.email ? undefined : 'dimmed'}>
                      {u.email ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge user={u} />
                  </Table.Td>
                  <Table.Td title={u.lastSignInAt ? formatDateTime(u.lastSignInAt) : 'Never signed in'}>
                    <Text size="sm" span c={u.lastSignInAt ? undefined : 'dimmed'}>
                      {formatAgo(u.lastSignInAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" span>
                      {formatDate(u.createdAt)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone Tessera checks codes for. Open a user to enroll factors, reset a lost device or unlock them."
        actions={
          canAdmin && (
            <>
              <Button variant="default" leftSection={<IconUpload size={16} />} onClick={() => setImporting(true)}>
                Import CSV
              </Button>
              <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
                Create user
              </Button>
            </>
          )
        }
      />
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Group gap="md" wrap="wrap" flex={1}>
            <TextInput
              aria-label="Search users"
              placeholder="Search by username, name or email"
              leftSection={<IconSearch size={16} />}
              rightSection={list.isFetching && !list.isFetchingNextPage ? <Loader size={14} aria-label="Searching" /> : null}
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
              className="users-search"
              type="search"
              autoFocus
            />
            <Switch label="Only users without an active factor" checked={withoutFactor} onChange={(e) => toggleWithoutFactor(e.currentTarget.checked)} />
            <Switch label="Locked or throttled" checked={locked} onChange={(e) => toggleLocked(e.currentTarget.checked)} color="red" />
          </Group>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="users-count">
            {countText}
          </Text>
        </Group>
        {canSelect && selected.size > 0 && <BulkActions usernames={[...selected]} onClear={() => setSelected(new Set())} />}
        {body}
      </Stack>
      <CreateUserModal opened={creating} onClose={() => setCreating(false)} />
      {canAdmin && <ImportUsersModal opened={importing} onClose={() => setImporting(false)} />}
    </>
  );
}

/** A column header that sorts the list; the current one says its direction (aria-sort for screen readers). */
function SortHeader({ label, sort, view, onSort }: { label: string; sort: UserSort; view: UsersListView; onSort: (s: UserSort) => void }) {
  const active = view.sort === sort;
  return (
    <Table.Th aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton className="users-sort" onClick={() => onSort(sort)} data-active={active || undefined}>
        {label}
        <span aria-hidden className="users-sort-arrow">
          {active ? (view.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </UnstyledButton>
    </Table.Th>
  );
}

/** The status column: can they sign in now, and if not why (the server says; the tooltip explains). */
function StatusBadge({ user }: { user: UserSummary }) {
  return (
    <Tooltip label={statusHint(user.status)} multiline maw={320}>
      <Badge color={STATUS_COLORS[user.status.state]} variant="light" tt="none" className="users-status">
        {statusLabel(user.status)}
      </Badge>
    </Tooltip>
  );
}
