import type { z } from 'zod';

/**
 * Zod's own refusals ("Too small: expected number to be >=1") in words a
 * person reads under a form field ("At least 1"). Passed per parse
 * (`schema.safeParse(v, { error: issueInWords })`), so a message a schema
 * gives itself still wins (zod: schema-level error > per-parse error map);
 * this only fills in for the checks that carry none. The field's label sits
 * beside the message, so the words need not name it.
 */
export const issueInWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'Enter a whole number';
      if (issue.expected === 'number') return issue.input === undefined || issue.input === '' ? 'Enter a number' : 'Enter a number (digits only)';
      if (issue.input === undefined || issue.input === null) return 'This is required';
      if (issue.expected === 'string') return 'Enter text';
      if (issue.expected === 'boolean') return 'Choose on or off';
      return 'This value is not allowed here';
    case 'too_small':
      if (issue.origin === 'string') return issue.minimum === 1 ? 'This is required' : `Enter at least ${count(issue.minimum)} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Choose at least ${count(issue.minimum)}`;
      return issue.inclusive === false ? `Must be more than ${count(issue.minimum)}` : `At least ${count(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `At most ${count(issue.maximum)} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Choose at most ${count(issue.maximum)}`;
      return issue.inclusive === false ? `Must be less than ${count(issue.maximum)}` : `At most ${count(issue.maximum)}`;
    case 'not_multiple_of':
      return `Must be a multiple of ${count(issue.divisor)}`;
    case 'invalid_format':
      return issue.format === 'email'
        ? 'Enter an email address (name@example.org)'
        : issue.format === 'url'
          ? 'Enter a full address (https://…)'
          : 'This is not in the expected form';
    case 'invalid_value':
      return issue.values.length <= 4 ? `Choose one of: ${issue.values.map(String).join(', ')}` : 'Choose one of the listed values';
    case 'invalid_union':
      return 'This value is not one of those allowed';
    case 'unrecognized_keys':
      return `Not a setting this version knows: ${issue.keys.join(', ')}`;
    default:
      return 'This value is not allowed here';
  }
};

function count(n: number | bigint): string {
  return Number(n).toLocaleString('en');
}
