import { foldForSearch } from '../../core/search/fold';

/** Sort keys keep this many characters: enough to order by, and a cursor that carries one stays short. */
const SORT_KEY_CHARS = 64;
/** A user without a display name sorts after every name (a noncharacter: no stored text holds it). */
export const NO_NAME = '\u{10ffff}';

function head(text: string): string {
  const chars = [...text];
  return chars.length <= SORT_KEY_CHARS ? text : chars.slice(0, SORT_KEY_CHARS).join('');
}

/** What searches match: username, display name and email, folded (core/search/fold), the username first. */
export function searchTextOf(row: { username: string; display_name: string | null; email: string | null }): string {
  return [row.username, row.display_name ?? '', row.email ?? ''].map(foldForSearch).join('\u0001');
}

/** The stored search and sort columns of a user, from the fields they are made of. */
export function userSortKeys(row: { username: string; display_name: string | null; email: string | null }): {
  search_text: string;
  username_fold: string;
  name_sort: string;
} {
  return {
    search_text: searchTextOf(row),
    username_fold: head(foldForSearch(row.username)),
    name_sort: row.display_name ? head(foldForSearch(row.display_name)) : NO_NAME,
  };
}
