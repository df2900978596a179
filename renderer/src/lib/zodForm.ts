import type { z } from 'zod';
import { issueInWords } from '../../../shared/issueWords';

/**
 * Checks form values with the SAME zod schema the server uses (from shared/).
 * Returns the parsed data, or one message per field (the first issue wins),
 * keyed by the field's top-level name, always in words (shared/issueWords.ts).
 */
export function checkForm<S extends z.ZodType>(schema: S, values: unknown): { ok: true; data: z.output<S> } | { ok: false; errors: Record<string, string> } {
  // The schema's own messages first; zod's defaults ("Too small: expected number to be >=1") never reach a person.
  const r = schema.safeParse(values, { error: issueInWords });
  if (r.success) return { ok: true, data: r.data };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '_';
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
