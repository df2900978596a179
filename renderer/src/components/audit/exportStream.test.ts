import { describe, expect, it } from 'vitest';
import { exportUrl, RecordCounter } from './exportStream';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Feeds `text` to a counter in chunks of `size` bytes (so records and quotes straddle chunks). */
function count(format: 'csv' | 'jsonl', text: string, size: number): { during: number; done: number } {
  const c = new RecordCounter(format);
  const all = bytes(text);
  for (let i = 0; i < all.length; i += size) c.push(all.subarray(i, i + size));
  return { during: c.records(), done: c.records(true) };
}

describe('RecordCounter', () => {
  const csv = 'seq,at,reason\r\n"1","2026","plain"\r\n"2","2026","two\nlines, and ""quotes"""\r\n"3","2026","é ü 漢"\r\n';
  it.each([1, 2, 3, 7, 1000])('counts CSV records, not line breaks inside quoted cells (chunks of %i bytes)', (size) => {
    expect(count('csv', csv, size)).toEqual({ during: 3, done: 3 });
  });

  const jsonl = '{"type":"tessera-audit-bundle"}\n{"type":"entry","seq":1}\n{"type":"entry","seq":2}\n{"type":"checkpoint","seq":2}\n';
  it.each([1, 5, 1000])('counts bundle entries without the header and, at the end, the checkpoint (chunks of %i bytes)', (size) => {
    expect(count('jsonl', jsonl, size).done).toBe(2);
    // Mid-stream (before the checkpoint has come), the entries so far.
    expect(count('jsonl', jsonl.slice(0, jsonl.indexOf('{"type":"checkpoint"')), size).during).toBe(2);
  });

  it('an export with no entries counts zero', () => {
    expect(count('csv', 'seq,at\r\n', 4).done).toBe(0);
    expect(count('jsonl', '{"type":"tessera-audit-bundle"}\n{"type":"checkpoint","seq":0}\n', 4).done).toBe(0);
  });
});

describe('exportUrl', () => {
  it('carries the list filters and the format, not the sort', () => {
    const url = new URL(exportUrl({ user: 'Zoë', action: 'verify', outcome: 'failure', from: '2026-01-01T00:00:00.000Z', order: 'asc' }, 'csv'), 'http://x');
    expect(url.pathname).toBe('/console/audit/export');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      format: 'csv',
      user: 'Zoë',
      action: 'verify',
      outcome: 'failure',
      from: '2026-01-01T00:00:00.000Z',
    });
  });
});
