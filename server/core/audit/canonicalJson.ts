import { TesseraError } from '../../../shared/errors';

/**
 * Deterministic JSON for hashing (in the spirit of RFC 8785): object keys
 * sorted by UTF-16 code units at every depth, no whitespace, undefined
 * properties dropped, strings and numbers exactly as JSON.stringify writes
 * them. Anything that JSON would silently change (NaN, Infinity, Dates,
 * Maps, class instances, undefined in arrays, cycles) is refused instead, so
 * a hash never covers a lossy rendering of the data.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, stack: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw refuse('a non-finite number');
      return JSON.stringify(value); // -0 → "0", like JSON
    case 'object':
      break;
    default:
      throw refuse(`a ${typeof value}`);
  }
  const obj = value as object;
  if (stack.has(obj)) throw refuse('a cycle');
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((v) => (v === undefined ? throwRefuse('undefined in an array') : write(v, stack))).join(',')}]`;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) throw refuse('a non-plain object');
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(v, stack)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}

function refuse(what: string): TesseraError {
  return new TesseraError('internal', `canonicalJson cannot encode ${what}`);
}

function throwRefuse(what: string): never {
  throw refuse(what);
}
