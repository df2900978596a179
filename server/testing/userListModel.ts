import { evaluateThrottle } from '../core/policy/throttle';
import { foldForSearch } from '../core/search/fold';
import type { SortOrder, UserSort } from '../store/repos/users';

/**
 * A plain model of the users list, for tests that check the repository's
 * search, sort and locked filter against it (userSort.test.ts on SQLite,
 * users.postgres.test.ts on both backends).
 */
export interface UserModel {
  id: string;
  username: string;
  display: string | null;
  email: string | null;
  created: number;
  signIn: number | null;
  failures: number;
  lastFailure: number | null;
  lockedUntil: number | null;
}

/** Byte order of UTF-8 (SQLite's BINARY, PostgreSQL's "C"), not JavaScript's UTF-16 units. */
export function cmpText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortKey(m: UserModel, sort: UserSort): string | number {
  switch (sort) {
    case 'username':
      return foldForSearch(m.username);
    case 'name':
      return m.display === null ? '\u{10ffff}' : foldForSearch(m.display);
    case 'created':
      return m.created;
    case 'lastSignIn':
      return m.signIn ?? 0;
  }
}

/** The usernames in the order the list gives them (ties by username). */
export function modelOrder(list: UserModel[], sort: UserSort, order: SortOrder): string[] {
  const sorted = [...list].sort((a, b) => {
    const ka = sortKey(a, sort);
    const kb = sortKey(b, sort);
    const c = typeof ka === 'number' ? ka - (kb as number) : cmpText(ka, kb as string);
    return c !== 0 ? c : cmpText(a.username.toLowerCase(), b.username.toLowerCase());
  });
  if (order === 'desc') sorted.reverse();
  return sorted.map((m) => m.username);
}

/** Whether the search finds this user: a prefix of the name below 3 characters, else a folded substring of name, display name or email. */
export function matches(m: UserModel, query: string): boolean {
  const q = foldForSearch(query.trim());
  if (q === '') return true;
  if ([...q].length < 3) return foldForSearch(m.username).startsWith(q);
  return [m.username, m.display ?? '', m.email ?? ''].some((f) => foldForSearch(f).includes(q));
}

export function isLocked(m: UserModel, now: number): boolean {
  return evaluateThrottle({ failures: m.failures, lastFailureAt: m.lastFailure, lockedUntil: m.lockedUntil }, now).decision !== 'allow';
}
