/** Plain-text table rendering for bench output. */

export type Align = 'left' | 'right';

export function formatTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, col) => Math.max(h.length, ...rows.map((row) => (row[col] ?? '').length)));
  const cell = (text: string, col: number): string => (align[col] === 'right' ? text.padStart(widths[col] ?? 0) : text.padEnd(widths[col] ?? 0));
  const line = (cells: string[]): string => `| ${widths.map((_, col) => cell(cells[col] ?? '', col)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** 12345.678 -> "12,345.7"; integers stay integers. */
export function formatNumber(value: number, fractionDigits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Number.isInteger(value) ? 0 : fractionDigits;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
