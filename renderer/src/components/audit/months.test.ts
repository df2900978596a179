import { describe, expect, it } from 'vitest';
import { monthLabel, monthRange, recentMonths, shiftMonth } from './months';

describe('export month presets (UTC)', () => {
  const dec4 = Date.UTC(2026, 11, 4, 1, 30);

  it('this month and last month, across a year boundary', () => {
    expect(shiftMonth(dec4, 0)).toBe('2026-12');
    expect(shiftMonth(dec4, -1)).toBe('2026-11');
    expect(shiftMonth(Date.UTC(2027, 0, 1, 0, 0), -1)).toBe('2026-12');
    // The last millisecond of a month in UTC is still that month, whatever the browser's zone.
    expect(shiftMonth(Date.UTC(2026, 11, 31, 23, 59, 59, 999), 0)).toBe('2026-12');
  });

  it('a month runs from its first instant (inclusive) to the next month (exclusive), February of a leap year too', () => {
    expect(monthRange('2026-12')).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01T00:00:00.000Z', to: '2028-03-01T00:00:00.000Z' });
    expect(() => monthRange('2026-13-01')).toThrow(RangeError);
  });

  it('the picker lists months newest first, named in words', () => {
    const months = recentMonths(dec4, 14);
    expect(months).toHaveLength(14);
    expect(months[0]).toEqual({ value: '2026-12', label: 'December 2026' });
    expect(months[13]).toEqual({ value: '2025-11', label: 'November 2025' });
    expect(monthLabel('2027-01')).toBe('January 2027');
  });
});
