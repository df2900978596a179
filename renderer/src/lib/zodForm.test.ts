import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkForm } from './zodForm';

describe('checkForm', () => {
  const Schema = z.object({
    name: z.string().trim().min(1, 'Name is required').max(5, 'Name is too long'),
    tags: z.array(z.string().min(1, 'Tag must not be empty')).min(1, 'Add a tag'),
    nested: z.object({ port: z.number().int('Port must be whole').min(1, 'Port is too small') }).optional(),
  });

  it('returns the parsed (transformed) data when valid', () => {
    expect(checkForm(Schema, { name: '  ann ', tags: ['a'] })).toEqual({ ok: true, data: { name: 'ann', tags: ['a'] } });
  });

  it('gives one message per top-level field, the first issue winning', () => {
    const r = checkForm(Schema, { name: '', tags: [''], nested: { port: 0.5 } });
    expect(r).toEqual({ ok: false, errors: { name: 'Name is required', tags: 'Tag must not be empty', nested: 'Port must be whole' } });
  });

  it('a nested issue is keyed by its top-level field', () => {
    expect(checkForm(Schema, { name: 'ann', tags: ['a'], nested: { port: 0 } })).toEqual({ ok: false, errors: { nested: 'Port is too small' } });
  });

  it('an issue with no path (the value itself) is keyed "_"', () => {
    expect(checkForm(z.string().min(3, 'Too short'), 'ab')).toEqual({ ok: false, errors: { _: 'Too short' } });
  });

  it('a refinement on the object names the path it gives', () => {
    const Range = z.object({ from: z.number(), to: z.number() }).refine((v) => v.to > v.from, { message: 'Must be after the start', path: ['to'] });
    expect(checkForm(Range, { from: 5, to: 1 })).toEqual({ ok: false, errors: { to: 'Must be after the start' } });
  });
});
