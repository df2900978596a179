/**
 * A repository's SQL, written once with SQLite's parameters (`?` in order, or
 * `@name`), made into PostgreSQL's ($1, $2, …). Text in quotes and comments is
 * left alone. The one SQLite-only phrase the repositories use, `INSERT OR
 * IGNORE`, becomes `ON CONFLICT DO NOTHING`; anything else the two dialects
 * write differently is written per dialect in the repository itself.
 */
export interface TranslatedSql {
  text: string;
  /** For `@name` parameters: the name behind each $n, in order; null when the statement uses `?`. */
  names: string[] | null;
  /** Whether the statement writes (it must then run inside a write transaction, which takes the write lock). */
  writes: boolean;
}

const WRITE_START = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const WITH_WRITE = /^\s*WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b/i;

export function translateSql(sql: string): TranslatedSql {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      positional++;
      out += `$${positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const m = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i))!;
      const name = m[1]!;
      let n = nameIndex.get(name);
      if (n === undefined) {
        names.push(name);
        n = names.length;
        nameIndex.set(name, n);
      }
      out += `$${n}`;
      i += m[0].length;
    } else {
      out += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error('A statement mixes ? and @name parameters');
  let text = out;
  if (/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i.test(text)) {
    text = text.replace(/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i, 'INSERT INTO');
    text = /\bRETURNING\b/i.test(text) ? text.replace(/\bRETURNING\b/i, 'ON CONFLICT DO NOTHING RETURNING') : `${text.trimEnd()} ON CONFLICT DO NOTHING`;
  }
  return { text, names: names.length > 0 ? names : null, writes: WRITE_START.test(sql) || WITH_WRITE.test(sql) };
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
