import { describe, expect, it } from 'vitest';
import { MAX_SHEET_CSV_BYTES, SheetSelection, type SheetPlan, type SkippedSheet } from '../../../shared/schemas/sheets';
import { csvFileProblem, planKey, reasonCounts, replacingCount, reprintCsv, rolloutSelection } from './rollout';

describe('rolloutSelection', () => {
  it('everyone without a factor needs nothing more', () => {
    expect(rolloutSelection('withoutFactor', null, '')).toEqual({ kind: 'withoutFactor' });
  });
  it('a CSV selection waits for a file', () => {
    expect(rolloutSelection('csv', null, 'ignored')).toBeNull();
    expect(rolloutSelection('csv', { text: 'username\nann\n' }, '')).toEqual({ kind: 'csv', csv: 'username\nann\n' });
  });
  it('a search waits for text and is trimmed', () => {
    expect(rolloutSelection('search', null, '   ')).toBeNull();
    expect(rolloutSelection('search', null, '  sales ')).toEqual({ kind: 'search', query: 'sales' });
  });
  it('a group waits for a chosen group and is trimmed; the search text does not count for it', () => {
    expect(rolloutSelection('group', null, 'ann', null)).toBeNull();
    expect(rolloutSelection('group', null, 'ann', '  ')).toBeNull();
    expect(rolloutSelection('group', null, '', ' VPN-Users ')).toEqual({ kind: 'group', group: 'VPN-Users' });
  });
  it('what it builds is what the server accepts', () => {
    for (const s of [
      rolloutSelection('withoutFactor', null, ''),
      rolloutSelection('csv', { text: 'username\nann\n' }, ''),
      rolloutSelection('search', null, 'ann'),
      rolloutSelection('group', null, '', 'VPN-Users'),
    ]) {
      expect(SheetSelection.safeParse(s).success, JSON.stringify(s)).toBe(true);
    }
  });
});

describe('SheetSelection for a group', () => {
  it('refuses an empty or overlong group in words', () => {
    const r = SheetSelection.safeParse({ kind: 'group', group: ' ' });
    expect(r.success ? null : r.error.issues[0]!.message).toBe('Choose a directory group first');
    const long = SheetSelection.safeParse({ kind: 'group', group: 'g'.repeat(257) });
    expect(long.success ? null : long.error.issues[0]!.message).toBe('A group name is at most 256 characters');
  });
});

describe('planKey', () => {
  it('a plan stays valid while selection and reprint choice stay the same, and only then', () => {
    const a = planKey({ kind: 'search', query: 'ann' }, false);
    expect(planKey({ kind: 'search', query: 'ann' }, false)).toBe(a);
    expect(planKey({ kind: 'search', query: 'ann' }, true)).not.toBe(a);
    expect(planKey({ kind: 'search', query: 'anna' }, false)).not.toBe(a);
    expect(planKey(null, false)).not.toBe(a);
    expect(planKey({ kind: 'group', group: 'VPN-Users' }, false)).not.toBe(planKey({ kind: 'group', group: 'Staff' }, false));
  });
});

describe('reasonCounts', () => {
  const skip = (reason: SkippedSheet['reason'], username = 'x'): SkippedSheet => ({ username, row: null, reason });
  it('counts each reason, most first', () => {
    expect(
      reasonCounts([
        skip('no such user'),
        skip('duplicate in file'),
        skip('no such user'),
        skip('TOTP is turned off'),
        skip('no such user'),
        skip('duplicate in file'),
      ]),
    ).toEqual([
      ['no such user', 3],
      ['duplicate in file', 2],
      ['TOTP is turned off', 1],
    ]);
  });
  it('nothing skipped: no reasons', () => {
    expect(reasonCounts([])).toEqual([]);
  });
});

describe('replacingCount', () => {
  it('counts the sheets that replace an unscanned one', () => {
    const plan: SheetPlan = {
      sheets: [
        { username: 'a', displayName: null, replacesPending: true },
        { username: 'b', displayName: 'B', replacesPending: false },
        { username: 'c', displayName: null, replacesPending: true },
      ],
      skipped: [],
      skippedTotal: 0,
      notIncluded: 0,
      ignoredColumns: [],
    };
    expect(replacingCount(plan)).toBe(2);
    expect(replacingCount(null)).toBe(0);
  });
});

describe('csvFileProblem', () => {
  it('accepts a file up to the limit and names a bigger one with its size and the limit', () => {
    expect(csvFileProblem({ name: 'staff.csv', size: MAX_SHEET_CSV_BYTES })).toBeNull();
    expect(csvFileProblem({ name: 'staff.csv', size: 3.5 * 1024 * 1024 })).toBe(
      'staff.csv is 3.5 MB; a rollout CSV may be 2 MB at most. Split it, or use "everyone without an active factor".',
    );
  });
});

describe('reprintCsv', () => {
  it('a username column, one user a line, quoted where CSV needs it', () => {
    expect(reprintCsv(['ann', 'o"brien', 'a,b'])).toEqual({ name: '3 users from the cancelled batch', text: 'username\nann\n"o""brien"\n"a,b"\n' });
  });
  it('is a selection the server accepts', () => {
    expect(SheetSelection.safeParse({ kind: 'csv', csv: reprintCsv(['ann']).text }).success).toBe(true);
  });
});
