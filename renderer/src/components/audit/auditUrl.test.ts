import { describe, expect, it } from 'vitest';
import { inputToIso, isoToInput, readView, writeView } from './auditUrl';

describe('the audit view in the URL', () => {
  it('reads the dashboard link and writes it back the same', () => {
    const { view, ignored } = readView(new URLSearchParams('action=verify&outcome=failure'));
    expect(view).toEqual({ action: 'verify', outcome: 'failure', order: 'desc' });
    expect(ignored).toEqual([]);
    expect(writeView(view).toString()).toBe('action=verify&outcome=failure');
  });

  it('drops what the server would refuse and says which', () => {
    const { view, ignored } = readView(new URLSearchParams('from=yesterday&outcome=maybe&user=%20alice%20&to=2026-01-02T00:00:00Z&order=sideways'));
    expect(view).toEqual({ user: 'alice', to: '2026-01-02T00:00:00Z', order: 'desc' });
    expect(ignored).toEqual(['from', 'outcome']);
  });

  it('keeps oldest-first only when asked', () => {
    expect(writeView({ order: 'asc' }).toString()).toBe('order=asc');
    expect(writeView({ order: 'desc', user: '' }).toString()).toBe('');
  });

  it('datetime-local values are UTC, both ways', () => {
    expect(inputToIso('2026-01-05T14:30')).toBe('2026-01-05T14:30:00.000Z');
    expect(inputToIso('2026-01-05T14:30:15')).toBe('2026-01-05T14:30:15.000Z');
    expect(inputToIso('')).toBeUndefined();
    expect(isoToInput('2026-01-05T14:30:00.000Z')).toBe('2026-01-05T14:30');
    expect(isoToInput(undefined)).toBe('');
  });
});
