import { describe, expect, it } from 'vitest';
import { clickSort, resetConfirmText, statusLabel, viewOf, writeView } from './usersListView';

describe('the users list view in the address', () => {
  it('reads the defaults from an empty address, and writes none of them back', () => {
    const p = new URLSearchParams('q=chloe');
    expect(viewOf(p)).toEqual({ sort: 'username', order: 'asc' });
    writeView(p, { sort: 'username', order: 'asc' });
    expect(p.toString()).toBe('q=chloe');
  });

  it('keeps a sort and a direction that are not the default; refuses nonsense', () => {
    const p = new URLSearchParams();
    writeView(p, { sort: 'created', order: 'asc' });
    expect(p.toString()).toBe('sort=created&order=asc');
    expect(viewOf(p)).toEqual({ sort: 'created', order: 'asc' });
    expect(viewOf(new URLSearchParams('sort=created'))).toEqual({ sort: 'created', order: 'desc' });
    expect(viewOf(new URLSearchParams('sort=password&order=up'))).toEqual({ sort: 'username', order: 'asc' });
  });

  it('a header click flips its own column and starts another with its natural direction', () => {
    expect(clickSort({ sort: 'username', order: 'asc' }, 'username')).toEqual({ sort: 'username', order: 'desc' });
    expect(clickSort({ sort: 'username', order: 'asc' }, 'lastSignIn')).toEqual({ sort: 'lastSignIn', order: 'desc' });
    expect(clickSort({ sort: 'created', order: 'desc' }, 'name')).toEqual({ sort: 'name', order: 'asc' });
  });
});

describe('status words', () => {
  const now = new Date(2026, 11, 4, 9, 0);
  it('says until when a lock ends: the time today, the day too otherwise', () => {
    expect(statusLabel({ state: 'locked', until: new Date(2026, 11, 4, 9, 30).toISOString() }, now)).toBe('Locked until 09:30');
    expect(statusLabel({ state: 'locked', until: new Date(2026, 11, 5, 0, 10).toISOString() }, now)).toBe('Locked until 5 Dec, 00:10');
    expect(statusLabel({ state: 'throttled', until: null }, now)).toBe('Throttled');
    expect(statusLabel({ state: 'noFactor', until: null }, now)).toBe('No factor');
    expect(statusLabel({ state: 'disabled', until: null }, now)).toBe('Disabled');
    expect(statusLabel({ state: 'active', until: null }, now)).toBe('Active');
  });

  it('the typed confirmation of a bulk reset holds the count', () => {
    expect(resetConfirmText(1)).toBe('reset 1 user');
    expect(resetConfirmText(12)).toBe('reset 12 users');
  });
});
