import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from './canonicalJson';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined properties but keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('escapes strings and writes numbers like JSON.stringify', () => {
    expect(canonicalJson('a"b\\c\n\u0001é\u2028')).toBe(JSON.stringify('a"b\\c\n\u0001é\u2028'));
    expect(canonicalJson([1.5, -0, 1e21, 0.1 + 0.2, true, false])).toBe('[1.5,0,1e+21,0.30000000000000004,true,false]');
    expect(canonicalJson({ é: 1, e: 2, E: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"E":3,"e":2,"é":1}');
  });

  it('refuses what JSON would silently change', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [NaN, Infinity, -Infinity, 10n, () => 1, Symbol('x'), new Date(0), new Map(), [undefined], cyclic, { a: NaN }, undefined]) {
      expect(() => canonicalJson(bad)).toThrow(expect.objectContaining({ code: 'internal' }));
    }
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('property: independent of key order, and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

function shuffleKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).reverse();
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x)]));
  }
  return v;
}
