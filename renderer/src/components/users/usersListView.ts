import type { SortOrder, UserSort, UserStatus } from '../../../../shared/schemas/users';

/**
 * The users list's view as its address holds it (so a filtered, sorted list
 * can be linked to and survives a reload): ?q=…&withoutFactor=1&locked=1&sort=created&order=desc.
 * The defaults (username, ascending) stay out of the address.
 */
export interface UsersListView {
  sort: UserSort;
  order: SortOrder;
}

const SORTS: readonly UserSort[] = ['username', 'name', 'created', 'lastSignIn'];

/** What each sort starts with when its header is clicked: names A–Z, dates newest first. */
const FIRST_ORDER: Record<UserSort, SortOrder> = { username: 'asc', name: 'asc', created: 'desc', lastSignIn: 'desc' };

export function viewOf(params: URLSearchParams): UsersListView {
  const s = params.get('sort');
  const sort = SORTS.includes(s as UserSort) ? (s as UserSort) : 'username';
  const o = params.get('order');
  return { sort, order: o === 'asc' || o === 'desc' ? o : FIRST_ORDER[sort] };
}

/** Writes a view into the address, leaving out what is the default. */
export function writeView(params: URLSearchParams, view: UsersListView): void {
  if (view.sort === 'username') params.delete('sort');
  else params.set('sort', view.sort);
  if (view.order === FIRST_ORDER[view.sort]) params.delete('order');
  else params.set('order', view.order);
}

/** A click on a column header: the same column flips its direction, another starts with its own. */
export function clickSort(view: UsersListView, sort: UserSort): UsersListView {
  if (view.sort === sort) return { sort, order: view.order === 'asc' ? 'desc' : 'asc' };
  return { sort, order: FIRST_ORDER[sort] };
}

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayClock = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** "14:05" today, "4 Dec, 14:05" on another day. */
export function untilText(iso: string, now = new Date()): string {
  const d = new Date(iso);
  return d.toDateString() === now.toDateString() ? clock.format(d) : dayClock.format(d);
}

/** The status column's words: Active, Locked until 14:05, Throttled, Disabled, No factor. */
export function statusLabel(status: UserStatus, now = new Date()): string {
  switch (status.state) {
    case 'active':
      return 'Active';
    case 'locked':
      return status.until ? `Locked until ${untilText(status.until, now)}` : 'Locked';
    case 'throttled':
      return 'Throttled';
    case 'disabled':
      return 'Disabled';
    case 'noFactor':
      return 'No factor';
  }
}

/** What a status means, for its tooltip. */
export function statusHint(status: UserStatus, now = new Date()): string {
  switch (status.state) {
    case 'active':
      return 'Has an active factor and can sign in';
    case 'locked':
      return 'Too many wrong codes: sign-ins are refused until the lock ends, or until helpdesk unlocks them on their page';
    case 'throttled':
      return `Recent wrong codes: the next try waits${status.until ? ` until ${untilText(status.until, now)}` : ''}; it clears itself`;
    case 'disabled':
      return 'Disabled: sign-ins are refused (factors are kept)';
    case 'noFactor':
      return 'Cannot pass MFA until a factor is enrolled and confirmed';
  }
}

export const STATUS_COLORS: Record<UserStatus['state'], string> = {
  active: 'teal',
  locked: 'red',
  throttled: 'yellow',
  disabled: 'gray',
  noFactor: 'orange',
};

/** The typed confirmation a bulk reset asks for: it says how many users it removes every factor of. */
export function resetConfirmText(count: number): string {
  return `reset ${count} ${count === 1 ? 'user' : 'users'}`;
}
