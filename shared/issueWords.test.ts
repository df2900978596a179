import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueInWords } from './issueWords';

const words = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { error: issueInWords }).error?.issues.map((i) => i.message);
const RAW = /Too small|Too big|expected|received|Invalid input|Invalid option|>=|<=/;

describe('zod refusals in words', () => {
  it('numbers: empty, not a number, fractional, below and above the bounds', () => {
    const n = z.number().int().min(1).max(1440);
    expect(words(n, '')).toEqual(['Enter a number']);
    expect(words(n, 'abc')).toEqual(['Enter a number (digits only)']);
    expect(words(n, Number.NaN)).toEqual(['Enter a number (digits only)']);
    expect(words(n, 1.5)).toEqual(['Enter a whole number']);
    expect(words(n, 0)).toEqual(['At least 1']);
    expect(words(n, 5000)).toEqual(['At most 1,440']);
    expect(words(z.number().gt(0), 0)).toEqual(['Must be more than 0']);
  });

  it('text, choices, unknown keys', () => {
    expect(words(z.string().min(1), '')).toEqual(['This is required']);
    expect(words(z.string().min(3), 'ab')).toEqual(['Enter at least 3 characters']);
    expect(words(z.string().max(4), 'abcde')).toEqual(['At most 4 characters']);
    expect(words(z.string(), undefined)).toEqual(['This is required']);
    expect(words(z.enum(['SHA1', 'SHA256']), 'MD5')).toEqual(['Choose one of: SHA1, SHA256']);
    expect(words(z.union([z.literal(6), z.literal(8)]), 7)).toEqual(['This value is not one of those allowed']);
    expect(words(z.object({ a: z.number() }).strict(), { a: 1, b: 2 })).toEqual(['Not a setting this version knows: b']);
    expect(words(z.email(), 'nope')).toEqual(['Enter an email address (name@example.org)']);
  });

  it('a message the schema gives itself wins over the words', () => {
    expect(words(z.number().min(1, 'Lock for at least 1 minute'), 0)).toEqual(['Lock for at least 1 minute']);
    expect(words(z.number({ error: 'Enter the minutes' }), '')).toEqual(['Enter the minutes']);
  });

  it('never says what zod says by itself', () => {
    const cases: [z.ZodType, unknown][] = [
      [z.number().int().min(1), 0],
      [z.number(), 'x'],
      [z.boolean(), 'yes'],
      [z.string().max(2), 'abc'],
      [z.array(z.string()).min(1), []],
      [z.number().multipleOf(5), 7],
    ];
    for (const [s, v] of cases) for (const m of words(s, v) ?? ['(passed)']) expect(m).not.toMatch(RAW);
  });
});
