import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../shared/schemas/audit';
import { CSV_COLUMNS, CSV_HEADER_LINE, csvCell, csvRow } from './csv';

describe('audit CSV', () => {
  it('quotes every cell, doubles quotes, and defuses what a spreadsheet would run as a formula', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(7)).toBe('"7"');
    expect(csvCell(-7)).toBe('"-7"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}SUM(A1)`)).toBe(`"'${lead}SUM(A1)"`);
  });

  it("one row per entry in the header's column order, CRLF-terminated", () => {
    const entry = {
      seq: 3,
      at: '2026-01-01T00:00:00.000Z',
      actor: { kind: 'operator', id: 'op1', name: 'ann' },
      action: 'user.create',
      user: '=evil',
      outcome: 'success',
      reason: null,
      ip: '192.0.2.1',
      details: { a: 1 },
      hash: 'ab',
    } as unknown as AuditEntry;
    expect(CSV_HEADER_LINE).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const cells = csvRow(entry).replace(/\r\n$/, '');
    expect(cells).toBe('"3","2026-01-01T00:00:00.000Z","operator","op1","ann","user.create","\'=evil","success",,"192.0.2.1","{""a"":1}","ab"');
  });
});
